#include "app/command_line.h"

namespace vitalsd {

Expected<CommandLine, std::string> parse_command_line(const std::vector<std::string>& args) {
  CommandLine cl;
  bool check = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 >= args.size()) return unexpected(a + " needs a file");
      cl.config = args[++i];
    } else if (a.starts_with("--config=")) {
      cl.config = a.substr(9);
    } else if (a == "--check-config") {
      check = true;
    } else if (a == "--version" || a == "-V") {
      cl.action = CommandLine::Action::version;
      return cl;
    } else if (a == "--help" || a == "-h") {
      cl.action = CommandLine::Action::help;
      return cl;
    } else {
      return unexpected("unknown option '" + a + "' (see --help)");
    }
  }
  if (cl.config.empty()) return unexpected("--config needs a file");
  if (check) cl.action = CommandLine::Action::check_config;
  return cl;
}

std::string usage_text() {
  return std::string(
             "Usage: vitalsd [--config FILE]\n"
             "       vitalsd --check-config [--config FILE]\n"
             "       vitalsd --version | --help\n"
             "\n"
             "Real-time clinical monitoring: reads vital signs from MQTT, evaluates threshold\n"
             "rules and NEWS2 per patient, and publishes alerts on MQTT and Redis.\n"
             "\n"
             "  -c, --config FILE   configuration file (default ") +
         kDefaultConfigPath +
         ")\n"
         "      --check-config  validate the configuration and the rules it names, print\n"
         "                      problems as file:line:col, exit 0 if valid, 1 if not\n"
         "  -V, --version       print the version and exit\n"
         "  -h, --help          print this help and exit\n"
         "\n"
         "Signals: SIGHUP reloads config and rules; SIGTERM/SIGINT stop intake, drain the\n"
         "queues, publish pending alerts and exit (0 when everything was delivered).\n";
}

}  // namespace vitalsd
