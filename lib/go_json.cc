#include "lib/go_json.h"

#include <cctype>

namespace node_agent::gojson {

namespace {
bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

const Json* Field(const Json& obj, std::string_view name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(name));
  if (it != obj.end()) return &*it;
  for (auto i = obj.begin(); i != obj.end(); ++i) {
    if (EqualFold(i.key(), name)) return &*i;
  }
  return nullptr;
}

bool Int(const Json* v, int64_t min, int64_t max, int64_t& out) {
  if (!v || v->is_null()) return true;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max)) return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  if (v->is_number_integer()) {
    auto i = v->get<int64_t>();
    if (i < min || i > max) return false;
    out = i;
    return true;
  }
  return false;
}

bool Uint(const Json* v, uint64_t max, uint64_t& out) {
  if (!v || v->is_null()) return true;
  if (!v->is_number_unsigned()) return false;
  auto u = v->get<uint64_t>();
  if (u > max) return false;
  out = u;
  return true;
}

bool String(const Json* v, std::string& out) {
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  out = v->get<std::string>();
  return true;
}

bool Bytes(const Json* v, std::string& out) {
  if (!v || v->is_null()) return true;
  if (!v->is_string()) return false;
  return DecodeBase64(v->get_ref<const std::string&>(), out);
}

bool DecodeBase64(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() % 4 != 0) return false;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (size_t i = 0; i < in.size(); i += 4) {
    int pad = 0;
    uint32_t acc = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        ++pad;
        acc <<= 6;
        continue;
      }
      int d = val(c);
      if (d < 0 || pad) return false;
      acc = (acc << 6) | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<char>(acc >> 16));
    if (pad < 2) out.push_back(static_cast<char>((acc >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(acc & 0xff));
  }
  return true;
}

}  // namespace node_agent::gojson
