#pragma once
// The listening end shared by the platform's two Beast servers: the API's (server.cpp) and the tails'
// (tail_server.cpp). Private to those two files.
#include <atomic>
#include <boost/asio.hpp>
#include <cstddef>
#include <memory>
#include <utility>

namespace tenantctl::platform {

// Opens `acceptor` on `ep` with SO_REUSEADDR and listens on it; the error of the first step that failed.
inline boost::system::error_code listen_on(boost::asio::ip::tcp::acceptor& acceptor,
                                           const boost::asio::ip::tcp::endpoint& ep) {
    boost::system::error_code ec;
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
    return ec;
}

// Accepts connections, each on a strand of `ioc`, until the acceptor is closed or `stopping` is set: a connection
// while `max_connections` are open is closed at once, every other one is handed to `serve(socket)`.
template <class Serve>
void accept_connections(boost::asio::ip::tcp::acceptor& acceptor, boost::asio::io_context& ioc,
                        const std::atomic<size_t>& connections, size_t max_connections,
                        const std::atomic<bool>& stopping, Serve serve) {
    using boost::asio::ip::tcp;
    acceptor.async_accept(boost::asio::make_strand(ioc),
                          [a = &acceptor, io = &ioc, open = &connections, max_connections, stop = &stopping, serve](
                              boost::system::error_code ec, tcp::socket socket) {
                              if (ec) {
                                  if (ec == boost::asio::error::operation_aborted || *stop) return;
                              } else if (*open >= max_connections) {
                                  boost::system::error_code ignored;
                                  socket.close(ignored);
                              } else {
                                  serve(std::move(socket));
                              }
                              if (!*stop) accept_connections(*a, *io, *open, max_connections, *stop, serve);
                          });
}

}  // namespace tenantctl::platform
