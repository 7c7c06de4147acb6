#include "yaml_documents.h"

#include <sstream>
#include <string>

namespace trop::formats_detail {
namespace {

// Records where each document starts; ignores everything else.
class document_starts final : public YAML::EventHandler {
 public:
  int last_start = -1;
  yaml_mark mark;

  void OnDocumentStart(const YAML::Mark& m) override {
    last_start = m.pos;
    mark = {m.line, m.column};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

yaml_documents load_yaml_documents(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  document_starts starts;
  int previous = -1;
  yaml_documents docs;
  while (parser.HandleNextDocument(starts)) {
    if (starts.last_start <= previous) {
      docs.stuck_at = starts.mark;
      return docs;
    }
    previous = starts.last_start;
    if (++docs.count == 2) {
      docs.second = starts.mark;
    }
  }
  if (docs.count > 0) {
    docs.first = YAML::Load(std::string(text));
  }
  return docs;
}

}  // namespace trop::formats_detail
