#include "observe/websocket.hpp"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <map>
#include <optional>

#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::observe {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

Result<WsUrl> parse_ws_url(const std::string& url) {
    WsUrl u;
    std::string rest;
    if (url.rfind("wss://", 0) == 0) {
        u.tls = true;
        rest = url.substr(6);
    } else if (url.rfind("ws://", 0) == 0) {
        rest = url.substr(5);
    } else {
        return Error(ErrorKind::Input, "not a WebSocket URL (ws:// or wss://): " + quoted(redact_url(url)));
    }
    auto slash = rest.find('/');
    std::string authority = slash == std::string::npos ? rest : rest.substr(0, slash);
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    if (authority.find('@') != std::string::npos)
        return Error(ErrorKind::Input, "a WebSocket URL with user information is refused: " + quoted(redact_url(url)));
    if (!authority.empty() && authority[0] == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) return Error(ErrorKind::Input, "bad IPv6 host in " + quoted(redact_url(url)));
        u.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size() && authority[close + 1] == ':') u.port = authority.substr(close + 2);
    } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
        u.host = authority.substr(0, colon);
        u.port = authority.substr(colon + 1);
    } else {
        u.host = authority;
    }
    if (u.host.empty()) return Error(ErrorKind::Input, "no host in WebSocket URL " + quoted(redact_url(url)));
    if (u.port.empty()) u.port = u.tls ? "443" : "80";
    if (u.port.find_first_not_of("0123456789") != std::string::npos || u.port.size() > 5)
        return Error(ErrorKind::Input, "bad port in WebSocket URL " + quoted(redact_url(url)));
    return u;
}

namespace {

class ConnBase {
public:
    virtual ~ConnBase() = default;
    virtual void start() = 0;
    virtual void close() = 0;
};

}  // namespace

struct WsMux::Impl {
    WsOptions opt;
    Callbacks cb;
    asio::io_context ioc{1};
    std::optional<ssl::context> tls;
    std::map<size_t, std::shared_ptr<ConnBase>> conns;
    std::string tls_error;

    void finished(size_t id, const WsEnd& end) {
        conns.erase(id);
        if (cb.ended) cb.ended(id, end);
    }
};

namespace {

template <class Next>
class Conn : public ConnBase, public std::enable_shared_from_this<Conn<Next>> {
public:
    Conn(WsMux::Impl& mux, size_t id, WsUrl url, std::string first, websocket::stream<Next> ws)
        : m_mux(mux),
          m_id(id),
          m_url(std::move(url)),
          m_first(std::move(first)),
          m_ws(std::move(ws)),
          m_resolver(mux.ioc) {}

    void start() override {
        m_resolver.async_resolve(
            m_url.host, m_url.port,
            [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                if (ec) return self->fail("cannot resolve " + self->m_url.host + ": " + ec.message());
                auto& layer = beast::get_lowest_layer(self->m_ws);
                layer.expires_after(self->m_mux.opt.connect_timeout);
                layer.async_connect(r, [self](beast::error_code ec2, tcp::endpoint) {
                    if (ec2)
                        return self->fail("cannot connect to " + self->m_url.host + ":" + self->m_url.port + ": " +
                                          ec2.message());
                    self->after_connect();
                });
            });
    }

    void close() override {
        if (m_closing || !m_open) {
            m_closing = true;
            if (!m_open) {
                beast::error_code ignored;
                beast::get_lowest_layer(m_ws).socket().close(ignored);
            }
            return;
        }
        m_closing = true;
        m_ws.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) {});
    }

private:
    void after_connect();

    void handshake() {
        beast::get_lowest_layer(m_ws).expires_after(m_mux.opt.connect_timeout);
        std::string proto = m_mux.opt.subprotocol, ua = m_mux.opt.user_agent;
        m_ws.set_option(websocket::stream_base::decorator([proto, ua](websocket::request_type& req) {
            if (!proto.empty()) req.set(http::field::sec_websocket_protocol, proto);
            if (!ua.empty()) req.set(http::field::user_agent, ua);
        }));
        m_ws.read_message_max(m_mux.opt.max_message);
        std::string host = m_url.host + ":" + m_url.port;
        m_ws.async_handshake(m_res, host, m_url.target, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) {
                WsEnd end;
                end.http_status = static_cast<int>(self->m_res.result_int());
                end.reason = end.http_status && end.http_status != 101
                                 ? "the server refused the WebSocket (HTTP " + std::to_string(end.http_status) + ")"
                                 : "WebSocket handshake failed: " + ec.message();
                return self->end(end);
            }
            beast::get_lowest_layer(self->m_ws).expires_never();
            self->m_ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            self->m_open = true;
            if (self->m_mux.cb.opened) self->m_mux.cb.opened(self->m_id);
            if (self->m_closing) return self->close();
            if (self->m_first.empty()) return self->read();
            self->m_ws.text(true);
            self->m_ws.async_write(asio::buffer(self->m_first), [self](beast::error_code ec2, size_t) {
                if (ec2) return self->fail("cannot send to the WebSocket: " + ec2.message());
                self->read();
            });
        });
    }

    void read() {
        m_ws.async_read(m_in, [self = this->shared_from_this()](beast::error_code ec, size_t) {
            if (ec) {
                WsEnd end;
                if (ec == websocket::error::closed) {
                    end.clean = true;
                    end.close_code = static_cast<int>(self->m_ws.reason().code);
                    end.reason = std::string(self->m_ws.reason().reason.c_str());
                } else {
                    end.reason = "the connection dropped: " + ec.message();
                }
                return self->end(end);
            }
            std::string msg = beast::buffers_to_string(self->m_in.data());
            self->m_in.consume(self->m_in.size());
            if (self->m_mux.cb.message) self->m_mux.cb.message(self->m_id, std::move(msg));
            self->read();
        });
    }

    void fail(const std::string& why) {
        WsEnd end;
        end.reason = why;
        this->end(end);
    }

    void end(const WsEnd& e) {
        if (m_ended) return;
        m_ended = true;
        WsEnd copy = e;
        if (m_closing && !copy.clean && copy.reason.find("operation_aborted") == std::string::npos) copy.clean = true;
        m_mux.finished(m_id, copy);
    }

    WsMux::Impl& m_mux;
    size_t m_id;
    WsUrl m_url;
    std::string m_first;
    websocket::stream<Next> m_ws;
    tcp::resolver m_resolver;
    websocket::response_type m_res;
    beast::flat_buffer m_in;
    bool m_open = false;
    bool m_closing = false;
    bool m_ended = false;
};

template <>
void Conn<beast::tcp_stream>::after_connect() {
    handshake();
}

template <>
void Conn<beast::ssl_stream<beast::tcp_stream>>::after_connect() {
    auto& tls = m_ws.next_layer();
    if (!SSL_set_tlsext_host_name(tls.native_handle(), m_url.host.c_str()))
        return fail("cannot set the TLS server name for " + m_url.host);
    tls.set_verify_callback(ssl::host_name_verification(m_url.host));
    tls.async_handshake(ssl::stream_base::client, [self = shared_from_this()](beast::error_code ec) {
        if (ec) return self->fail("TLS handshake with " + self->m_url.host + " failed: " + ec.message());
        self->handshake();
    });
}

}  // namespace

WsMux::WsMux(WsOptions options, Callbacks callbacks) : m_impl(std::make_unique<Impl>()) {
    m_impl->opt = std::move(options);
    m_impl->cb = std::move(callbacks);
}

WsMux::~WsMux() {
    m_impl->conns.clear();
}

Status WsMux::open(size_t id, const std::string& url, const std::string& first_message) {
    auto u = parse_ws_url(url);
    if (!u.ok()) return u.error();
    auto& im = *m_impl;
    if (u->tls) {
        if (!im.tls) {
            im.tls.emplace(ssl::context::tls_client);
            beast::error_code ec;
            if (im.opt.ca_bundle.empty())
                im.tls->set_default_verify_paths(ec);
            else
                im.tls->load_verify_file(im.opt.ca_bundle, ec);
            if (ec)
                return Error(ErrorKind::Network,
                             "cannot load the CA certificates" +
                                 (im.opt.ca_bundle.empty() ? std::string() : " from " + quoted(im.opt.ca_bundle)) +
                                 ": " + ec.message());
            im.tls->set_verify_mode(ssl::verify_peer);
        }
        auto c = std::make_shared<Conn<beast::ssl_stream<beast::tcp_stream>>>(
            im, id, *u, first_message, websocket::stream<beast::ssl_stream<beast::tcp_stream>>(im.ioc, *im.tls));
        im.conns[id] = c;
        c->start();
    } else {
        auto c = std::make_shared<Conn<beast::tcp_stream>>(im, id, *u, first_message,
                                                           websocket::stream<beast::tcp_stream>(im.ioc));
        im.conns[id] = c;
        c->start();
    }
    return ok_status();
}

void WsMux::close(size_t id) {
    auto it = m_impl->conns.find(id);
    if (it != m_impl->conns.end()) it->second->close();
}

size_t WsMux::open_count() const {
    return m_impl->conns.size();
}

void WsMux::run_for(std::chrono::milliseconds d) {
    auto& im = *m_impl;
    if (im.conns.empty()) return;
    im.ioc.restart();
    im.ioc.run_for(d);
}

}  // namespace tenantctl::observe
