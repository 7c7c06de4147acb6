#include "occupancy.h"

#include <memory>
#include <set>

#include "trop/occupancy.h"

namespace trop::cli {

void setup_occupancy_flags(option_sink& sink, occupancy_flags& f, bool with_skip_all) {
  if (with_skip_all) {
    sink.flag("--skip-occupancy-check", &f.skip_occupancy_check,
              "Do not probe whether ports are in use");
  }
  sink.flag("--skip-tcp", &f.skip_tcp, "Do not probe TCP");
  sink.flag("--skip-udp", &f.skip_udp, "Do not probe UDP");
  sink.flag("--skip-ipv4", &f.skip_ipv4, "Do not probe IPv4");
  sink.flag("--skip-ipv6", &f.skip_ipv6, "Do not probe IPv6");
  sink.flag("--check-all-interfaces", &f.check_all_interfaces,
            "Also probe the wildcard addresses (0.0.0.0 and ::)");
}

void apply_occupancy_flags(const occupancy_flags& f, config_layer* layer) {
  occupancy_layer& o = layer->occupancy;
  for (auto [given, leaf] :
       {std::pair{f.skip_occupancy_check, &o.skip}, std::pair{f.skip_tcp, &o.skip_tcp},
        std::pair{f.skip_udp, &o.skip_udp}, std::pair{f.skip_ipv4, &o.skip_ip4},
        std::pair{f.skip_ipv6, &o.skip_ip6},
        std::pair{f.check_all_interfaces, &o.check_all_interfaces}}) {
    if (given) {
      *leaf = true;
    }
  }
}

occupancy_check make_occupancy_check(const effective_settings& settings, const trace_fn& trace) {
  occupancy_policy policy = settings.occupancy.policy();
  auto probe = std::make_shared<system_occupancy_probe>();
  auto noted = std::make_shared<std::set<std::string>>();
  return [policy, probe, noted, trace](std::uint16_t port) {
    port_occupancy o = probe->check(port, policy);
    if (trace) {
      for (const std::string& n : o.notes) {
        if (noted->insert(n).second) {
          trace(n);  // each note once, not once per probed port
        }
      }
    }
    switch (o.state) {
      case occupancy_state::free:
        return occupancy_verdict::free;
      case occupancy_state::occupied:
        return occupancy_verdict::occupied;
      case occupancy_state::unknown:
        break;
    }
    return occupancy_verdict::possibly_occupied;
  };
}

}  // namespace trop::cli
