#include "cmd_list_projects.h"

#include <set>
#include <string>

#include "output.h"
#include "store_access.h"
#include "trop/formats/text_escape.h"

namespace trop::cli {

void setup_list_projects(option_sink& /*sink*/, list_projects_options& /*opts*/) {}

int run_list_projects(const list_projects_options& /*opts*/, context& ctx) {
  ctx.settings();  // Discover scope: a broken configuration is exit 7 here too
  store st = open_store(ctx);
  snapshot snap = read_snapshot(ctx, st);
  // std::string compares through char_traits<char>, which orders bytes as
  // unsigned char: the byte-wise order of the contract.
  std::set<std::string> projects;
  status s = snap.for_each([&](const reservation& r) {
    if (r.project) {
      projects.insert(*r.project);
    }
    return true;
  });
  if (!s) {
    fail(ctx, s);
  }
  std::string out;
  for (const std::string& p : projects) {
    // One project per line: control characters are escaped as in the list
    // table, so a newline inside a project cannot forge a second line.
    out += escape_tsv_field(p);
    out += '\n';
  }
  write_stdout(out);
  return kExitOk;
}

}  // namespace trop::cli
