#include "events.hpp"

namespace tenantctl::cli {

namespace {

std::function<void(const std::string&)> step_line(Progress& progress) {
    return [&progress](const std::string& s) { progress.note("- " + s); };
}

}  // namespace

deploy::DeployEvents deploy_events(Ui& ui, Progress& progress) {
    deploy::DeployEvents ev;
    ev.step = step_line(progress);
    ev.docker_output = [&progress](std::string_view chunk) { progress.output(chunk); };
    ev.build_output = ev.docker_output;
    ev.warning = [&ui](const Diagnostic& d) {
        std::string where =
            d.file.empty()
                ? std::string()
                : d.file +
                      (d.line > 0 ? ":" + std::to_string(d.line) + ":" + std::to_string(d.column) : std::string()) +
                      ": ";
        ui.warn(where + d.message + (d.hint.empty() ? std::string() : " (hint: " + d.hint + ")"));
    };
    return ev;
}

deploy::ImageEvents image_events(Progress& progress) {
    deploy::ImageEvents ev;
    ev.step = step_line(progress);
    ev.build_output = [&progress](std::string_view chunk) { progress.output(chunk); };
    ev.push_output = ev.build_output;
    return ev;
}

}  // namespace tenantctl::cli
