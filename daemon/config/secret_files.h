// Secret files: the password files and the TLS client key named in Config.
//
// vitalsd reads them as its own unprivileged user; nobody else on the host
// needs to. A file that every user may read is reported (not refused: the
// daemon must still start on a host where an operator got the mode wrong,
// and the warning says how to fix it). Pure; any thread.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace vitalsd {

// One warning per secret file readable or writable by "other" users, e.g.
// "[mqtt] password_file '/etc/vitalsd/mqtt.pw' is readable by every user on
// this host (mode 0644): chmod 600, or 640 with the service's group". Names
// paths and modes, never contents.
std::vector<std::string> loose_secret_files(const Config& config);

}  // namespace vitalsd
