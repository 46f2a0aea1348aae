// XML-RPC responses (http://xmlrpc.com/spec.md), as supervisord's API sends
// them: a small XML reader (elements, text, entities, CDATA; comments,
// processing instructions and DOCTYPE skipped) and the value model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace node_agent {

struct XmlRpcMember;

struct XmlRpcValue {
  enum class Kind { kNil, kString, kInt, kBool, kDouble, kDateTime, kBase64, kArray, kStruct };
  Kind kind = Kind::kNil;
  std::string text;  // string, dateTime.iso8601 and base64 (as sent)
  int64_t integer = 0;  // int, i4, i8, ... and boolean
  double real = 0;
  std::vector<XmlRpcValue> array;
  // A struct's members. Not std::pair: a pair of this still-incomplete type
  // is rejected by clang with libstdc++ (std::vector of one is allowed).
  std::vector<XmlRpcMember> members;

  // The member named `name`, or nullptr.
  const XmlRpcValue* Member(std::string_view name) const;
};

struct XmlRpcMember {
  std::string name;
  XmlRpcValue value;
};

// Parses a methodResponse. On success returns true with the single param's
// value; on a fault or malformed document returns false with `error` set
// (a fault as "fault CODE: STRING").
bool ParseXmlRpcResponse(std::string_view xml, XmlRpcValue& value, std::string& error);

// The methodCall document for `method` without parameters.
std::string XmlRpcCall(std::string_view method);

}  // namespace node_agent
