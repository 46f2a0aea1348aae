// Reading JSON as Go's encoding/json unmarshals it into a struct, for the
// collectors whose node_exporter test fixtures are JSON dumps of Go structs
// (qdisc, wifi): field names match case-insensitively, null leaves the zero
// value, a number must fit the field's integer type, []byte is base64.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace node_agent::gojson {

using Json = nlohmann::json;

// The member of `obj` that Go would decode into field `name`: an exact match,
// else the first whose key equals `name` ignoring ASCII case. nullptr when
// absent or `obj` is not an object.
const Json* Field(const Json& obj, std::string_view name);

// Decodes `v` into an integer field of range [min, max]. Absent (nullptr) or
// null: `out` untouched, true. False (a Go UnmarshalTypeError) for anything
// but an integral number in range.
bool Int(const Json* v, int64_t min, int64_t max, int64_t& out);
bool Uint(const Json* v, uint64_t max, uint64_t& out);
// A string field.
bool String(const Json* v, std::string& out);
// A []byte field (net.HardwareAddr): standard base64 with padding.
bool Bytes(const Json* v, std::string& out);

// Standard base64 (RFC 4648, padded) as Go's base64.StdEncoding; false when
// malformed.
bool DecodeBase64(std::string_view in, std::string& out);

}  // namespace node_agent::gojson
