#include "deploy/deploy.hpp"

#include "core/json.hpp"

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "bundle/bundle.hpp"
#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "deploy/assets_sync.hpp"
#include "deploy/containers.hpp"
#include "deploy/triggers.hpp"
#include "images/context.hpp"
#include "images/git_info.hpp"
#include "images/registry.hpp"

namespace tenantctl::deploy {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One [[containers]] entry and what deploying it takes.
struct ContainerPlan {
    config::ContainerSpec spec;
    std::string name;
    bool dockerfile = false;
    std::string dockerfile_path;
    std::string dockerfile_content;
    std::string context_dir;
    images::ContextDigest context;
    ContainerOutcome outcome;
};

Status write_outdir(const std::string& dir, const workers::UploadBundle& bundle) {
    // The upload exactly as it would be sent, except secret values and the assets completion token, which are
    // masked. With assets, also the upload session's body (assets-manifest.json).
    workers::UploadBundle masked = bundle;
    if (masked.metadata.contains("bindings"))
        for (auto& b : masked.metadata["bindings"])
            if (json_string(b, "type") == "secret_text") b["text"] = "***";
    if (masked.metadata.contains("assets")) masked.metadata["assets"]["jwt"] = "***";
    // Everything is written into a staging folder next to `dir` first and moved into place only when all of it
    // was written, so a failed write leaves no partly written --outdir behind.
    std::error_code ec;
    fs::path target = fs::path(dir);
    fs::path parent = target.parent_path();
    if (!parent.empty()) {
        fs::create_directories(parent, ec);
        if (ec) return Error(ErrorKind::Io, "--outdir " + quoted(dir) + ": " + ec.message());
    }
    fs::path stage = fs::path(dir + ".tmp-" + random_hex(6));
    auto write_all = [&]() -> Status {
        fs::create_directories(stage, ec);
        if (ec) return Error(ErrorKind::Io, "--outdir " + quoted(dir) + ": " + ec.message());
        std::string s = stage.string();
        TRY_STATUS(write_file_atomic(join_path(s, "metadata.json"), masked.metadata.dump(2) + "\n"));
        api::MultipartBody body = workers::encode_upload(masked);
        TRY_STATUS(write_file_atomic(join_path(s, "upload.multipart"), body.data));
        TRY_STATUS(write_file_atomic(join_path(s, "upload.content-type"), body.content_type() + "\n"));
        if (masked.assets)
            TRY_STATUS(write_file_atomic(join_path(s, "assets-manifest.json"),
                                         workers::asset_manifest_json(masked.assets->manifest)));
        for (const auto& m : masked.modules) {
            std::string p = join_path(join_path(s, "modules"), m.name);
            fs::create_directories(fs::path(p).parent_path(), ec);
            TRY_STATUS(write_file_atomic(p, m.data));
        }
        if (!fs::exists(target, ec)) {
            fs::rename(stage, target, ec);
            if (ec) return Error(ErrorKind::Io, "--outdir " + quoted(dir) + ": " + ec.message());
            return {};
        }
        // An existing folder: each staged file replaces its namesake (one rename each); others stay. Every
        // rename is checked first (a folder where a file goes, a file where a folder goes), so a refusal
        // changes nothing.
        for (auto it = fs::recursive_directory_iterator(stage, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            fs::path dest = target / fs::relative(it->path(), stage);
            std::error_code e2;
            bool exists = fs::exists(dest, e2);
            if (exists && it->is_directory() != fs::is_directory(dest, e2))
                return Error(ErrorKind::Io, "--outdir " + quoted(dir) + ": " + dest.string() +
                                                (it->is_directory() ? " is a file" : " is a folder") +
                                                "; nothing was written");
        }
        if (ec) return Error(ErrorKind::Io, "--outdir " + quoted(dir) + ": " + ec.message());
        for (auto it = fs::recursive_directory_iterator(stage, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            fs::path rel = fs::relative(it->path(), stage);
            if (it->is_directory()) {
                fs::create_directories(target / rel, ec);
            } else {
                fs::rename(it->path(), target / rel, ec);
            }
            if (ec) break;
        }
        if (ec) return Error(ErrorKind::Io, "--outdir " + quoted(dir) + ": " + ec.message());
        return {};
    };
    Status st = write_all();
    std::error_code ignored;
    fs::remove_all(stage, ignored);
    return st;
}

std::optional<std::string> label_value(const json& app, const char* name) {
    for (const auto& l : json_at(json_at(app, "configuration"), "labels"))
        if (json_string(l, "name") == name) return json_string(l, "value");
    return std::nullopt;
}

}  // namespace

Result<RolloutMode> parse_rollout_mode(const std::string& t) {
    if (t == "gradual") return RolloutMode::Gradual;
    if (t == "immediate") return RolloutMode::Immediate;
    if (t == "none") return RolloutMode::None;
    return Error(ErrorKind::Usage, "--containers-rollout " + quoted(t) + " is not one of immediate, gradual, none");
}

Result<std::string> worker_name(const config::LoadedConfig& cfg, const DeployOptions& o) {
    std::string name = o.name.empty() ? cfg.name() : o.name;
    if (name.empty())
        return Error(ErrorKind::Usage,
                     "no worker name: the configuration has no \"name\"" +
                         (cfg.display_path.empty() ? std::string() : " (" + cfg.display_path + ")"),
                     "add name = \"my-worker\" to the config or pass --name");
    return name;
}

json DeployReport::to_json() const {
    json cs = json::array();
    for (const auto& c : containers) {
        json ch = json::array();
        for (const auto& f : c.changes) ch.push_back({{"field", f.path}, {"before", f.before}, {"after", f.after}});
        json j = {{"name", c.name},     {"application_id", c.application_id},
                  {"action", c.action}, {"image", c.image},
                  {"built", c.built},   {"pushed", c.pushed},
                  {"changes", ch}};
        if (!c.context_digest.empty()) j["context_digest"] = c.context_digest;
        if (!c.rollout_id.empty()) j["rollout_id"] = c.rollout_id;
        cs.push_back(j);
    }
    json w = {{"name", worker}, {"uploaded", uploaded}, {"upload_digest", upload_digest}};
    if (dry_run) w["action"] = "would upload";
    w["triggers"] = triggers;
    w["triggers_written"] = triggers_written;
    w["bundled"] = !bundler.empty();
    if (!dispatch_namespace.empty()) w["dispatch_namespace"] = dispatch_namespace;
    w["version_id"] = version_id.empty() ? json() : json(version_id);
    if (assets)
        w["assets"] = {{"files", assets->files},
                       {"bytes", assets->bytes},
                       {"synced", assets->synced},
                       {"uploaded_files", assets->uploaded_files},
                       {"uploaded_bytes", assets->uploaded_bytes},
                       {"upload_requests", assets->upload_requests}};
    w["messages"] = messages;
    return {{"worker", w}, {"containers", cs}, {"skipped", skipped}};
}

Result<workers::UploadBundle> build_worker(const config::LoadedConfig& cfg, const config::WorkerConfig& worker,
                                           const DeployOptions& o, bool assets, const DeployEvents& ev) {
    if (!worker.build.command.empty()) {
        if (ev.step) ev.step("running the custom build: " + worker.build.command);
        TRY_STATUS(bundle::run_custom_build(worker.build, cfg.dir, ev.build_output));
    }
    workers::UploadOptions uo;
    uo.config_dir = cfg.dir;
    uo.config_path = cfg.path;
    uo.keep_vars = o.keep_vars;
    uo.compatibility_date = o.compatibility_date;
    uo.no_bundle = o.no_bundle;
    uo.env = o.env;
    uo.assets = assets;
    TRY_ASSIGN(workers::UploadBundle bundle, workers::build_upload(worker, uo));
    if (ev.warning)
        for (const auto& w : bundle.warnings) ev.warning(w);
    return bundle;
}

Result<DeployReport> run_deploy(const config::LoadedConfig& cfg, api::ApiClient* client, images::Docker* docker,
                                const DeployOptions& o, const DeployEvents& ev) {
    auto step = [&](const std::string& s) {
        if (ev.step) ev.step(s);
    };
    const config::WorkerConfig worker = cfg.worker();
    DeployReport rep;
    TRY_ASSIGN(rep.worker, worker_name(cfg, o));
    rep.dispatch_namespace = o.dispatch_namespace;
    if (!o.dry_run && !client) return Error(ErrorKind::Internal, "deploy without an API client");

    for (const auto& [k, v] : o.secrets)
        if (!v)
            return Error(ErrorKind::Input,
                         "--secrets-file: " + quoted(k) + " is null, and deploy cannot delete secrets",
                         "delete it with `tenantctl secret delete " + k + "`");

    // 0. Triggers (routes, crons, workers.dev): planned first, so a field deploy cannot act on stops it before
    // anything is built or sent. Dispatch-namespace workers have none (as in wrangler).
    TRY_ASSIGN(TriggersPlan triggers, plan_triggers(worker.triggers));
    if (!o.dispatch_namespace.empty())
        for (const auto& f : triggers_skipped_for_namespace(worker.triggers))
            rep.skipped.push_back(f + ": not deployed for a dispatch-namespace worker (as wrangler)");

    // 1. What the containers need (and docker, checked before anything is uploaded).
    std::vector<ContainerPlan> plans;
    if (o.rollout == RolloutMode::None) {
        if (!worker.containers.empty()) rep.skipped.push_back("containers: --containers-rollout none");
    } else {
        for (const auto& spec : worker.containers) {
            ContainerPlan p;
            p.spec = spec;
            p.name = p.spec.name;
            p.outcome.name = p.name;
            p.dockerfile = p.spec.builds_image();
            if (p.dockerfile) {
                p.dockerfile_path = cfg.absolute(p.spec.image);
                p.context_dir = cfg.absolute(*p.spec.image_build_context);
                auto text = read_file(p.dockerfile_path);
                if (!text)
                    return Error(ErrorKind::Config, "containers " + quoted(p.name) + ": cannot read the Dockerfile " +
                                                        quoted(p.dockerfile_path) + ": " + text.error().message);
                p.dockerfile_content = *text;
                images::ContextInput in{p.dockerfile_content, p.context_dir, p.spec.image_vars, "linux/amd64"};
                TRY_ASSIGN(p.context, images::digest_context(in));
                p.outcome.context_digest = p.context.digest;
            } else {
                TRY_ASSIGN(p.outcome.image, images::resolve_image_name(p.spec.image, o.managed_registry, o.account_id));
            }
            plans.push_back(std::move(p));
        }
    }

    // 2. The worker upload: the custom build, then the bundle, built once; the per-upload fields are set when
    // it is sent.
    TRY_ASSIGN(workers::UploadBundle bundle, build_worker(cfg, worker, o, true, ev));
    workers::UploadOptions uo;
    uo.config_dir = cfg.dir;
    uo.config_path = cfg.path;
    if (bundle.assets) {
        rep.assets.emplace();
        rep.assets->files = bundle.assets->manifest.entries.size();
        rep.assets->bytes = bundle.assets->total_bytes();
    }
    rep.bundler = bundle.bundler;
    rep.dry_run = o.dry_run;
    rep.upload_digest = bundle.digest.substr(bundle.digest.find(':') + 1);
    // Secrets go in after the digest: their values never enter the recorded tag.
    if (bundle.assets && bundle.assets->assets_only && !o.secrets.empty())
        return Error(ErrorKind::Usage, "--secrets-file: an assets-only Worker (no \"main\") has no bindings",
                     "give the Worker a script (`main`), or deploy without --secrets-file");
    for (const auto& [k, v] : o.secrets)
        bundle.metadata["bindings"].push_back({{"name", k}, {"type", "secret_text"}, {"text", *v}});
    // The project's git commit (labels and annotations), read only when something is built or uploaded.
    std::optional<std::optional<images::GitInfo>> git_cache;
    auto git = [&]() -> const std::optional<images::GitInfo>& {
        if (!git_cache) git_cache = images::read_git_info(cfg.dir);
        return *git_cache;
    };
    auto revise = [&](const std::optional<std::string>& migration_tag, const std::vector<std::string>& tags) {
        const auto& g = git();
        uo.current_migration_tag = migration_tag;
        uo.tags = tags;
        uo.message = !o.message.empty() ? o.message : g ? g->subject : std::string();
        uo.version_tag = !o.version_tag.empty() ? o.version_tag : g ? g->short_commit + (g->dirty ? "-dirty" : "") : "";
        return workers::apply_revision(bundle, worker, uo);
    };
    const std::string upload_tag = workers::k_upload_tag_prefix + rep.upload_digest.substr(0, 16);

    if (o.dry_run) {
        if (!o.outdir.empty()) {
            TRY_STATUS(revise(std::nullopt, {}));  // what a first upload would send (no state is read)
            TRY_STATUS(write_outdir(o.outdir, bundle));
        }
        for (auto& p : plans) {
            p.outcome.action = "dry-run";
            rep.containers.push_back(p.outcome);
        }
        if (o.dispatch_namespace.empty()) rep.triggers = describe_triggers(triggers, rep.worker);
        rep.skipped.push_back("--dry-run: no API calls, no docker build, no push");
        return rep;
    }

    // Docker is checked when the first build is due: still before anything is uploaded or written.
    std::optional<images::DockerInfo> dinfo;
    auto check_docker = [&]() -> Status {
        if (dinfo) return {};
        if (!docker) return Error(ErrorKind::Internal, "deploy needs docker but has none");
        step("checking docker");
        auto info = docker->info();
        if (!info) {
            Error e = std::move(info).error();
            e.hint +=
                (e.hint.empty() ? "" : "; ") + std::string("or deploy only the worker with --containers-rollout none");
            return e;
        }
        dinfo = *info;
        return {};
    };

    // 3. Reads: the deployed script (its tags and migration tag) and the applications.
    step("reading the deployed state");
    std::optional<json> script;
    if (!o.dispatch_namespace.empty()) {
        auto s = client->get_namespace_script(o.account_id, o.dispatch_namespace, rep.worker);
        if (s)
            script = json_at(*s, "script").is_object() ? json_at(*s, "script") : *s;
        else if (s.error().kind != ErrorKind::NotFound)
            return std::move(s).error();
    } else {
        TRY_ASSIGN(auto all, client->list_scripts(o.account_id));
        for (auto& s : all)
            if (json_string(s, "id") == rep.worker) script = s;
    }
    std::vector<std::string> tags;
    bool recorded = false;
    std::optional<std::string> migration_tag;
    if (script) {
        for (const auto& t : json_at(*script, "tags")) {
            if (!t.is_string()) continue;
            std::string v = t.get<std::string>();
            if (v == upload_tag) recorded = true;
            if (!starts_with(v, workers::k_upload_tag_prefix)) tags.push_back(v);
        }
        if (!json_string(*script, "migration_tag").empty()) migration_tag = json_string(*script, "migration_tag");
    }
    // Namespace scripts take at most 8 tags: without room for the digest tag every deploy uploads.
    bool can_record = o.dispatch_namespace.empty() || tags.size() < 8;
    if (can_record) tags.push_back(upload_tag);

    // Routes another worker holds stop the deploy here, before anything is built, pushed or written.
    if (o.dispatch_namespace.empty()) TRY_STATUS(check_route_conflicts(*client, o.account_id, rep.worker, triggers));

    std::vector<json> apps;
    if (!plans.empty()) {
        TRY_ASSIGN(apps, client->list_applications(o.account_id));
    }
    auto find_app = [&](const std::string& name) -> const json* {
        for (const auto& a : apps)
            if (json_string(a, "name") == name) return &a;
        return nullptr;
    };

    // 4. Images: reuse what the application or the registry already has; otherwise build and push.
    std::optional<images::RegistryCredentials> creds;
    std::unique_ptr<PrivateTempDir> docker_config;
    auto credentials = [&]() -> Result<images::RegistryCredentials> {
        if (creds) return *creds;
        step("getting registry credentials");
        TRY_ASSIGN(creds, images::request_registry_credentials(*client, o.account_id, o.managed_registry, 15,
                                                               {"push", "pull"}));
        return *creds;
    };
    for (auto& p : plans) {
        if (!p.dockerfile) continue;
        const json* app = find_app(p.name);
        if (app && !o.force && label_value(*app, k_context_label) == p.context.digest &&
            !json_string(json_at(*app, "configuration"), "image").empty()) {
            p.outcome.image = json_string(json_at(*app, "configuration"), "image");
            rep.skipped.push_back("image " + p.name + ": the application already runs build context " +
                                  p.context.short_tag());
            continue;
        }
        TRY_ASSIGN(auto rc, credentials());
        const std::string repo = o.account_id + "/" + to_lower(p.name);
        const std::string tag = p.context.short_tag();
        const std::string remote = rc.host + "/" + repo + ":" + tag;
        images::RegistryClient registry(rc);
        TRY_ASSIGN(auto have, registry.manifest_digest(repo, tag));
        if (have) {
            p.outcome.image = rc.host + "/" + repo + "@" + *have;
            rep.skipped.push_back("image " + p.name + ": the registry already has " + remote);
            continue;
        }
        TRY_STATUS(check_docker());
        step("building " + remote);
        images::BuildSpec spec;
        spec.dockerfile_path = p.dockerfile_path;
        spec.context_dir = p.context_dir;
        spec.build_args = p.spec.image_vars;
        spec.tag = remote;
        spec.labels[k_context_label] = p.context.digest;
        if (const auto& g = git()) {
            spec.labels["org.opencontainers.image.revision"] = g->commit + (g->dirty ? "-dirty" : "");
            spec.labels["tenantctl.git.subject"] = g->subject;
        }
        TRY_STATUS(docker->build(*dinfo, spec, p.dockerfile_content, ev.docker_output));
        p.outcome.built = true;
        if (!docker_config) {
            docker_config = std::make_unique<PrivateTempDir>("tenantctl-docker");
            if (docker_config->path().empty())
                return Error(ErrorKind::Io, "cannot create a temporary directory for docker");
            TRY_STATUS(docker->login(docker_config->path(), rc.host, rc.username, rc.password));
        }
        step("pushing " + remote);
        TRY_ASSIGN(auto digest, docker->push(docker_config->path(), remote, ev.docker_output));
        p.outcome.pushed = true;
        p.outcome.image = rc.host + "/" + repo + "@" + digest;
    }

    // 5. The worker, unless the recorded digest says it is already deployed.
    if (script && recorded && o.secrets.empty() && !o.force) {
        rep.skipped.push_back("worker " + rep.worker + ": unchanged (upload " + rep.upload_digest.substr(0, 16) + ")");
    } else {
        TRY_STATUS(revise(migration_tag, tags));
        // Static assets first, as wrangler does: the upload session, the buckets the platform lacks, then the
        // completion token goes into the worker upload's metadata.
        if (bundle.assets) {
            api::ScriptRef target{o.account_id, o.dispatch_namespace, rep.worker};
            TRY_ASSIGN(AssetsSyncResult sync, sync_assets(*client, target, bundle.assets->manifest, step));
            workers::set_assets_field(bundle, worker, sync.completion_jwt);
            rep.assets->synced = true;
            rep.assets->uploaded_files = sync.uploaded_files;
            rep.assets->uploaded_bytes = sync.uploaded_bytes;
            rep.assets->upload_requests = sync.upload_requests;
        }
        if (!o.outdir.empty()) TRY_STATUS(write_outdir(o.outdir, bundle));
        api::MultipartBody body = workers::encode_upload(bundle);
        step("uploading worker " + rep.worker +
             (o.dispatch_namespace.empty() ? "" : " to namespace " + o.dispatch_namespace));
        if (!o.dispatch_namespace.empty()) {
            TRY_STATUS(client->put_namespace_script(o.account_id, o.dispatch_namespace, rep.worker, body, true,
                                                    &rep.messages));
        } else {
            TRY_STATUS(client->upload_script(o.account_id, rep.worker, body, true, &rep.messages));
            auto deps = client->list_deployments(o.account_id, rep.worker);
            if (deps && !deps->empty())
                for (const auto& v : deps->front().versions) rep.version_id = v.version_id;
        }
        rep.uploaded = true;
    }

    // 6. Triggers of an account worker: each read, written only when it differs.
    if (o.dispatch_namespace.empty()) {
        TRY_ASSIGN(TriggersOutcome t, deploy_triggers(*client, o.account_id, rep.worker, triggers));
        rep.triggers = t.targets;
        rep.triggers_written = t.written;
    }

    // 7. Applications: create the missing, modify and roll out the changed, leave the rest alone.
    for (auto& p : plans) {
        json desired = create_application_request(p.spec, p.outcome.image);
        if (p.dockerfile) {
            json& labels = desired["configuration"]["labels"];
            if (!labels.is_array()) labels = json::array();
            labels.push_back({{"name", k_context_label}, {"value", p.context.digest}});
        }
        const json* app = find_app(p.name);
        if (!app) {
            step("creating container application " + p.name);
            TRY_ASSIGN(json created, client->create_application(o.account_id, desired));
            p.outcome.application_id = json_string(created, "id");
            p.outcome.action = "created";
        } else {
            p.outcome.application_id = json_string(*app, "id");
            p.outcome.changes = application_diff(*app, desired);
            if (p.outcome.changes.empty() && !o.force) {
                p.outcome.action = "unchanged";
            } else {
                step("modifying container application " + p.name);
                TRY_STATUS(client->modify_application(o.account_id, p.outcome.application_id,
                                                      modify_application_request(desired)));
                p.outcome.action = "modified";
                TRY_ASSIGN(json rollout, client->create_rollout(o.account_id, p.outcome.application_id,
                                                                rollout_request(p.spec, desired["configuration"],
                                                                                o.rollout == RolloutMode::Immediate)));
                p.outcome.rollout_id = json_string(rollout, "id");
            }
        }
        rep.containers.push_back(p.outcome);
    }
    return rep;
}

}  // namespace tenantctl::deploy
