#include "workload.h"

#include <catch2/catch.hpp>

#include <stdexcept>

#include "trop/migrate.h"
#include "trop/reserve.h"
#include "trop/reserve_group.h"

namespace trop::reliability {

const char* kind_name(step_kind k) {
  switch (k) {
    case step_kind::reserve:
      return "reserve";
    case step_kind::touch:
      return "touch";
    case step_kind::group:
      return "group";
    case step_kind::migrate:
      return "migrate";
    case step_kind::release_tree:
      return "release-tree";
    case step_kind::release:
      return "release";
  }
  return "?";
}

std::vector<step> make_steps(int count) {
  std::vector<step> out;
  for (int i = 0; i < count; ++i) {
    step s;
    s.now = 1'700'000'000 + std::int64_t{i} * 60;
    const std::string n = std::to_string(i);
    switch (i % 10) {
      case 3:
        s.kind = step_kind::touch;
        s.path = std::string("/w/") + std::to_string(i - 3);
        break;
      case 6:
        s.kind = step_kind::group;
        s.path = std::string("/g/") + n;
        break;
      case 8:
        s.kind = step_kind::migrate;
        s.path = std::string("/w/") + std::to_string(i - 8);
        s.to = std::string("/m/") + n;
        break;
      case 9:
        s.kind = i % 20 == 19 ? step_kind::release : step_kind::release_tree;
        s.path = i % 20 == 19 ? std::string("/w/") + std::to_string(i - 5)
                              : std::string("/g/") + std::to_string(i - 3);
        break;
      default:
        s.kind = step_kind::reserve;
        s.path = std::string("/w/") + n;
        break;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<reservation> dump(const snapshot& snap) {
  std::vector<reservation> out;
  status st = snap.for_each([&](const reservation& r) {
    out.push_back(r);
    return true;
  });
  if (!st.is_ok()) {
    throw std::runtime_error(std::string("dump failed: ") + st.message());
  }
  return out;
}

store_options options_on(env* e, durability mode, std::uint64_t checkpoint_bytes) {
  store_options o;
  o.data_dir = "/data";
  o.file_env = e;
  o.durability_mode = mode;
  o.busy_timeout = std::chrono::milliseconds(0);
  o.checkpoint_bytes = checkpoint_bytes;
  return o;
}

std::string describe(const std::vector<reservation>& rs) {
  std::string out = std::to_string(rs.size()) + " records:";
  for (const reservation& r : rs) {
    out += ' ';
    out += to_display(r.key);
    out += '=';
    out += std::to_string(r.port);
    out += '@';
    out += std::to_string(r.last_used_at);
  }
  return out;
}

namespace {

reserve_request reserve_for(const step& st) {
  reserve_request req;
  req.key = {st.path, std::nullopt};
  req.range = {5000, 7000};
  req.prune_enabled = false;
  req.expire_enabled = false;
  req.now = st.now;
  return req;
}

}  // namespace

step_result run_step(const store& s, const step& st, durability mode) {
  step_result out;
  auto t = s.begin_write();
  if (!t) {
    out.st = t.error();
    return out;
  }
  status planned;
  switch (st.kind) {
    case step_kind::reserve:
    case step_kind::touch: {
      reserve_outcome o;
      planned = reserve(*t, reserve_for(st), reserve_hooks{}, &o);
      break;
    }
    case step_kind::group: {
      group_request g;
      g.path = st.path;
      g.range = {5000, 7000};
      g.now = st.now;
      g.services = {{"web", 0, std::nullopt}, {"api", 1, std::nullopt}, {"db", 2, std::nullopt}};
      group_outcome o;
      planned = reserve_group(*t, g, reserve_hooks{}, &o);
      break;
    }
    case step_kind::migrate: {
      migrate_request m;
      m.from = st.path;
      m.to = st.to;
      auto plan = plan_migrate(t->view(), m);
      planned = plan ? apply_migrate(*t, *plan) : plan.error();
      break;
    }
    case step_kind::release_tree:
    case step_kind::release: {
      std::vector<reservation_key> keys;
      planned = t->view().for_each_under(st.path, [&](const reservation& r) {
        if (st.kind == step_kind::release_tree || r.key.path == st.path) {
          keys.push_back(r.key);
        }
        return true;
      });
      for (const auto& k : keys) {
        if (planned.is_ok()) {
          planned = t->erase(k);
        }
      }
      break;
    }
  }
  if (!planned.is_ok()) {
    out.st = planned;
    return out;
  }
  out.planned = true;
  out.wrote = t->has_changes();
  out.synced = out.wrote && mode == durability::full && st.kind != step_kind::touch;
  out.after = dump(t->view());
  out.st = t->commit();
  return out;
}

}  // namespace trop::reliability
