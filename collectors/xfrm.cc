#include "collectors/xfrm.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace node_agent {

std::vector<XfrmField> ParseXfrmStat(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<XfrmField> out;
  std::vector<std::string_view> f;
  for (auto line : Lines(content)) {
    Fields(line, f);
    std::optional<int64_t> v;
    if (f.size() == 2) v = ParseInt(f[1]);
    if (!v) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    out.push_back({f[0], *v});
  }
  return out;
}

namespace {

struct XfrmMetric {
  const char* field;
  const char* metric;
  const char* help;
};

// node_exporter's fields, in its order; each is exported (0 when the file
// lacks it).
constexpr std::array<XfrmMetric, 28> kXfrmMetrics{{
    {"XfrmInError", "node_xfrm_in_error_packets_total", "All errors not matched by other"},
    {"XfrmInBufferError", "node_xfrm_in_buffer_error_packets_total", "No buffer is left"},
    {"XfrmInHdrError", "node_xfrm_in_hdr_error_packets_total", "Header error"},
    {"XfrmInNoStates", "node_xfrm_in_no_states_packets_total",
     "No state is found i.e. Either inbound SPI, address, or IPsec protocol at SA is wrong"},
    {"XfrmInStateProtoError", "node_xfrm_in_state_proto_error_packets_total",
     "Transformation protocol specific error e.g. SA key is wrong"},
    {"XfrmInStateModeError", "node_xfrm_in_state_mode_error_packets_total", "Transformation mode specific error"},
    {"XfrmInStateSeqError", "node_xfrm_in_state_seq_error_packets_total",
     "Sequence error i.e. Sequence number is out of window"},
    {"XfrmInStateExpired", "node_xfrm_in_state_expired_packets_total", "State is expired"},
    {"XfrmInStateMismatch", "node_xfrm_in_state_mismatch_packets_total",
     "State has mismatch option e.g. UDP encapsulation type is mismatch"},
    {"XfrmInStateInvalid", "node_xfrm_in_state_invalid_packets_total", "State is invalid"},
    {"XfrmInTmplMismatch", "node_xfrm_in_tmpl_mismatch_packets_total",
     "No matching template for states e.g. Inbound SAs are correct but SP rule is wrong"},
    {"XfrmInNoPols", "node_xfrm_in_no_pols_packets_total",
     "No policy is found for states e.g. Inbound SAs are correct but no SP is found"},
    {"XfrmInPolBlock", "node_xfrm_in_pol_block_packets_total", "Policy discards"},
    {"XfrmInPolError", "node_xfrm_in_pol_error_packets_total", "Policy error"},
    {"XfrmOutError", "node_xfrm_out_error_packets_total", "All errors which is not matched others"},
    {"XfrmOutBundleGenError", "node_xfrm_out_bundle_gen_error_packets_total", "Bundle generation error"},
    {"XfrmOutBundleCheckError", "node_xfrm_out_bundle_check_error_packets_total", "Bundle check error"},
    {"XfrmOutNoStates", "node_xfrm_out_no_states_packets_total", "No state is found"},
    {"XfrmOutStateProtoError", "node_xfrm_out_state_proto_error_packets_total",
     "Transformation protocol specific error"},
    {"XfrmOutStateModeError", "node_xfrm_out_state_mode_error_packets_total", "Transformation mode specific error"},
    {"XfrmOutStateSeqError", "node_xfrm_out_state_seq_error_packets_total",
     "Sequence error i.e. Sequence number overflow"},
    {"XfrmOutStateExpired", "node_xfrm_out_state_expired_packets_total", "State is expired"},
    {"XfrmOutPolBlock", "node_xfrm_out_pol_block_packets_total", "Policy discards"},
    {"XfrmOutPolDead", "node_xfrm_out_pol_dead_packets_total", "Policy is dead"},
    {"XfrmOutPolError", "node_xfrm_out_pol_error_packets_total", "Policy error"},
    {"XfrmFwdHdrError", "node_xfrm_fwd_hdr_error_packets_total", "Forward routing of a packet is not allowed"},
    {"XfrmOutStateInvalid", "node_xfrm_out_state_invalid_packets_total", "State is invalid, perhaps expired"},
    {"XfrmAcquireError", "node_xfrm_acquire_error_packets_total",
     "State hasn\u2019t been fully acquired before use"},
}};

class XfrmCollector : public Collector {
 public:
  explicit XfrmCollector(const Paths& paths) : file_(paths.Proc("net/xfrm_stat")) {}

  void Collect(MetricSet& out) override {
    // node_exporter reports a missing file (no CONFIG_XFRM_STATISTICS) as an error.
    if (int err = file_.Read(buf_); err != 0) {
      throw std::runtime_error(fmt::format("{}: {}", file_.path(), std::strerror(err)));
    }
    std::vector<std::string> skipped;
    auto fields = ParseXfrmStat(buf_, skipped);
    ReportSkipped("xfrm", file_.path(), skipped);
    std::array<int64_t, kXfrmMetrics.size()> values{};
    for (const auto& f : fields) {
      for (size_t i = 0; i < kXfrmMetrics.size(); ++i) {
        if (f.name == kXfrmMetrics[i].field) values[i] = f.value;
      }
    }
    for (size_t i = 0; i < kXfrmMetrics.size(); ++i) {
      out.Counter(kXfrmMetrics[i].metric, kXfrmMetrics[i].help, {}, static_cast<double>(values[i]));
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateXfrm(const Paths& paths) { return NewXfrmCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("xfrm", kDisabledByDefault, nullptr, &CreateXfrm);

}  // namespace

std::unique_ptr<Collector> NewXfrmCollector(const Paths& paths) { return std::make_unique<XfrmCollector>(paths); }

}  // namespace node_agent
