// `trop list` (SPEC B §12.3, §13.1, A.1, A.2 #8, #26).
#include <catch2/catch.hpp>
#include <filesystem>

#include "trop_fixture.h"

using trop::reservation;
using trop::test::process_result;
using trop::test::read_file;
using trop::test::run_options;
using trop::test::trop_fixture;

namespace {

reservation record(const std::string& path, std::optional<std::string> tag, std::uint16_t port,
                   std::optional<std::string> project = std::nullopt,
                   std::optional<std::string> task = std::nullopt) {
  reservation r;
  r.key.path = path;
  r.key.tag = std::move(tag);
  r.port = port;
  r.project = std::move(project);
  r.task = std::move(task);
  r.created_at = 1705314645;    // 2024-01-15 10:30:45 UTC
  r.last_used_at = 1705402245;  // 2024-01-16 10:50:45 UTC
  return r;
}

const char* kHeader = "PORT\tPATH\tTAG\tPROJECT\tTASK\tCREATED_AT\tLAST_USED_AT\n";

// The port column of tsv output, in order.
std::vector<std::string> ports_of(const std::string& tsv) {
  std::vector<std::string> ports;
  std::size_t pos = tsv.find('\n') + 1;  // skip the header
  while (pos < tsv.size()) {
    std::size_t end = tsv.find('\n', pos);
    std::string line = tsv.substr(pos, end - pos);
    ports.push_back(line.substr(0, line.find('\t')));
    pos = end + 1;
  }
  return ports;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("list of an empty or missing store prints the header only", "[quick][list]") {
  trop_fixture fx;
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == kHeader);
  CHECK(r.err.empty());
  // A.1: reading never creates anything.
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
  CHECK(fx.run({"list", "--format", "json"}).out == "[]\n");
  CHECK(fx.run({"list", "--format", "csv"}).out ==
        "port,path,tag,project,task,created_at,last_used_at\n");
  CHECK(fx.run({"list", "--format", "tsv"}).out ==
        "port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at\n");
  CHECK_FALSE(std::filesystem::exists(fx.data_dir()));
}

TEST_CASE("list with autoinit disabled and no store exits 3", "[quick][list]") {
  trop_fixture fx;
  process_result r = fx.run({"list", "--disable-autoinit"});
  CHECK(r.exit_code == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "Error: Data directory not found (use --data-dir or enable auto-init)\n");
}

TEST_CASE("list table: sorted, dashes for absent values, ~ shortening", "[quick][list]") {
  trop_fixture fx;
  fx.seed({record(fx.home() + "/b", std::nullopt, 5001, "app", "main"),
           record(fx.home() + "/a", "web", 5003), record(fx.home() + "/a", std::nullopt, 5002),
           record("/srv/x", "t", 6000), record(fx.home(), std::nullopt, 5004)});
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  // Sorted by the stored (full) path, byte-wise, then tag; untagged first.
  CHECK(r.out == std::string(kHeader) +
                     "6000\t/srv/x\tt\t-\t-\t2024-01-15 10:30:45\t2024-01-16 10:50:45\n"
                     "5004\t~/\t-\t-\t-\t2024-01-15 10:30:45\t2024-01-16 10:50:45\n"
                     "5002\t~/a\t-\t-\t-\t2024-01-15 10:30:45\t2024-01-16 10:50:45\n"
                     "5003\t~/a\tweb\t-\t-\t2024-01-15 10:30:45\t2024-01-16 10:50:45\n"
                     "5001\t~/b\t-\tapp\tmain\t2024-01-15 10:30:45\t2024-01-16 10:50:45\n");
  r = fx.run({"list", "--show-full-paths"});
  CHECK(r.out.find("\t" + fx.home() + "/a\tweb\t") != std::string::npos);
  CHECK(r.out.find("~/") == std::string::npos);
}

TEST_CASE("list json objects follow the column order", "[quick][list]") {
  trop_fixture fx;
  fx.seed({record("/srv/x", "t", 6000, "p", std::nullopt)});
  process_result r = fx.run({"list", "--format", "JSON"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "[\n"
        "  {\n"
        "    \"port\": 6000,\n"
        "    \"path\": \"/srv/x\",\n"
        "    \"tag\": \"t\",\n"
        "    \"project\": \"p\",\n"
        "    \"task\": null,\n"
        "    \"created_at\": \"2024-01-15 10:30:45\",\n"
        "    \"last_used_at\": \"2024-01-16 10:50:45\"\n"
        "  }\n"
        "]\n");
}

TEST_CASE("list csv and tsv use full paths and empty fields", "[quick][list]") {
  trop_fixture fx;
  fx.seed({record(fx.home() + "/a,b", std::nullopt, 5000, "p")});
  process_result r = fx.run({"list", "--format", "Csv"});
  CHECK(r.out == "port,path,tag,project,task,created_at,last_used_at\n5000,\"" + fx.home() +
                     "/a,b\",,p,,2024-01-15 10:30:45,2024-01-16 10:50:45\n");
  r = fx.run({"list", "--format", "tsv"});
  CHECK(r.out == "port\tpath\ttag\tproject\ttask\tcreated_at\tlast_used_at\n5000\t" + fx.home() +
                     "/a,b\t\tp\t\t2024-01-15 10:30:45\t2024-01-16 10:50:45\n");
}

TEST_CASE("list filters by project, tag and path (AND)", "[quick][list]") {
  trop_fixture fx;
  fx.seed({record("/p/a", std::nullopt, 5000, "one"), record("/p/a", "web", 5001, "two"),
           record("/p/a/sub", "web", 5002, "one"), record("/p/ab", "web", 5003, "one"),
           record("/q", "web", 5004)});
  auto ports = [&](const strings& args) {
    strings all = {"list", "--format", "tsv"};
    all.insert(all.end(), args.begin(), args.end());
    process_result r = fx.run(all);
    REQUIRE(r.exit_code == 0);
    return ports_of(r.out);
  };
  CHECK(ports({"--filter-project", "one"}) == strings{"5000", "5002", "5003"});
  CHECK(ports({"--filter-project", " one"}).empty());  // exact, untrimmed
  CHECK(ports({"--filter-tag", "web"}) == strings{"5001", "5002", "5003", "5004"});
  CHECK(ports({"--filter-path", "/p/a"}) == strings{"5000", "5001", "5002"});
  CHECK(ports({"--filter-path", "/p/a/"}) == strings{"5000", "5001", "5002"});
  CHECK(ports({"--filter-path", "/p/a", "--filter-tag", "web", "--filter-project", "one"}) ==
        strings{"5002"});
  CHECK(ports({"--filter-path", "/"}).size() == 5);
  CHECK(ports({"--filter-tag", "nope"}).empty());
}

TEST_CASE("list --filter-path is relative to the cwd and matches through symlinks",
          "[quick][list]") {
  trop_fixture fx;
  // The secondary, canonical match needs the stored paths to exist.
  std::string real = fx.make_dir("real");
  fx.make_dir("real/svc");
  fx.make_dir("real/x");
  fx.make_dir("work/plain");
  std::filesystem::create_directory_symlink(real, fx.work() + "/link");
  fx.seed({record(real + "/svc", std::nullopt, 5000), record(fx.work() + "/link/x", "t", 5001),
           record(fx.work() + "/plain", std::nullopt, 5002)});
  auto ports = [&](const std::string& filter) {
    process_result r = fx.run({"list", "--format", "tsv", "--filter-path", filter});
    REQUIRE(r.exit_code == 0);
    return ports_of(r.out);
  };
  CHECK(ports("plain") == strings{"5002"});
  // The filter spelled through the link also finds the record stored physically.
  CHECK(ports("link") == strings{"5000", "5001"});
  // And the physical filter finds the record stored through the link.
  CHECK(ports(real) == strings{"5000", "5001"});
  process_result r = fx.run({"list", "--filter-path", "~nobody"});
  CHECK(r.exit_code == 6);
}

TEST_CASE("list escapes control characters in the table", "[quick][list]") {
  trop_fixture fx;
  fx.seed({record("/srv/x", "a\tb", 5000, "line\nbreak")});
  process_result r = fx.run({"list"});
  CHECK(r.out == std::string(kHeader) +
                     "5000\t/srv/x\ta\\tb\tline\\nbreak\t-\t2024-01-15 10:30:45\t2024-01-16 "
                     "10:50:45\n");
}

TEST_CASE("list on a corrupt store exits 6 with nothing on stdout", "[quick][list]") {
  trop_fixture fx;
  std::filesystem::create_directories(fx.data_dir());
  std::string garbage(8192, '\x22');
  trop::test::write_file(fx.data_dir() + "/trop.db", garbage);
  process_result r = fx.run({"list"});
  CHECK(r.exit_code == 6);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("Error: database corruption detected: ", 0) == 0);
  CHECK(read_file(fx.data_dir() + "/trop.db") == garbage);
}

TEST_CASE("list sees what reserve wrote", "[quick][list]") {
  trop_fixture fx;
  REQUIRE(fx.run({"reserve", "--tag", "x"}).out == "5000\n");
  process_result r = fx.run({"list", "--format", "tsv"});
  CHECK(ports_of(r.out) == strings{"5000"});
  CHECK(r.out.find("\t" + fx.work() + "\tx\t") != std::string::npos);
}
