#include "collectors/supervisord/xmlrpc.h"

#include <charconv>
#include <cstdlib>
#include <optional>

namespace node_agent {

const XmlRpcValue* XmlRpcValue::Member(std::string_view name) const {
  for (const auto& [n, v] : members) {
    if (n == name) return &v;
  }
  return nullptr;
}

namespace {

// Nesting beyond this is refused rather than recursed into.
constexpr int kMaxDepth = 64;

struct Token {
  enum class Type { kStart, kEnd, kText, kEof, kError } type = Type::kEof;
  std::string_view name;  // local name (namespace prefix dropped)
  std::string text;
};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// Appends `raw` with its entity and character references decoded.
bool DecodeText(std::string_view raw, std::string& out) {
  while (!raw.empty()) {
    auto amp = raw.find('&');
    out.append(raw.substr(0, amp));
    if (amp == std::string_view::npos) break;
    raw.remove_prefix(amp + 1);
    auto semi = raw.find(';');
    if (semi == std::string_view::npos) return false;
    std::string_view ent = raw.substr(0, semi);
    raw.remove_prefix(semi + 1);
    if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "amp") out += '&';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (ent.size() > 1 && ent[0] == '#') {
      int base = 10;
      ent.remove_prefix(1);
      if (!ent.empty() && (ent[0] == 'x' || ent[0] == 'X')) {
        base = 16;
        ent.remove_prefix(1);
      }
      uint32_t cp = 0;
      auto [p, ec] = std::from_chars(ent.data(), ent.data() + ent.size(), cp, base);
      if (ent.empty() || ec != std::errc() || p != ent.data() + ent.size() || cp > 0x10ffff) return false;
      AppendUtf8(out, cp);
    } else {
      return false;
    }
  }
  return true;
}

class XmlReader {
 public:
  explicit XmlReader(std::string_view doc) : doc_(doc) {}

  Token Next() {
    if (pending_end_) {
      pending_end_ = false;
      return {Token::Type::kEnd, pending_name_, {}};
    }
    while (true) {
      if (pos_ >= doc_.size()) return {};
      if (doc_[pos_] != '<') return Text();
      std::string_view rest = doc_.substr(pos_);
      if (rest.starts_with("<?")) {
        if (!SkipPast("?>")) return Error();
      } else if (rest.starts_with("<!--")) {
        if (!SkipPast("-->")) return Error();
      } else if (rest.starts_with("<![CDATA[")) {
        return Text();
      } else if (rest.starts_with("<!")) {
        if (!SkipPast(">")) return Error();
      } else {
        return Tag();
      }
    }
  }

 private:
  bool SkipPast(std::string_view end) {
    auto at = doc_.find(end, pos_);
    if (at == std::string_view::npos) return false;
    pos_ = at + end.size();
    return true;
  }

  static Token Error() { return {Token::Type::kError, {}, {}}; }

  // Character data up to the next tag, CDATA sections included.
  Token Text() {
    Token t{Token::Type::kText, {}, {}};
    while (pos_ < doc_.size()) {
      std::string_view rest = doc_.substr(pos_);
      if (rest.starts_with("<![CDATA[")) {
        auto end = rest.find("]]>");
        if (end == std::string_view::npos) return Error();
        t.text.append(rest.substr(9, end - 9));
        pos_ += end + 3;
        continue;
      }
      if (rest[0] == '<') break;
      auto lt = rest.find('<');
      if (!DecodeText(rest.substr(0, lt), t.text)) return Error();
      pos_ = lt == std::string_view::npos ? doc_.size() : pos_ + lt;
    }
    return t;
  }

  Token Tag() {
    auto gt = doc_.find('>', pos_);
    if (gt == std::string_view::npos) return Error();
    std::string_view inner = doc_.substr(pos_ + 1, gt - pos_ - 1);
    pos_ = gt + 1;
    bool end = !inner.empty() && inner[0] == '/';
    if (end) inner.remove_prefix(1);
    bool self_closing = !end && !inner.empty() && inner.back() == '/';
    if (self_closing) inner.remove_suffix(1);
    std::string_view name = inner.substr(0, inner.find_first_of(" \t\r\n"));
    if (auto colon = name.rfind(':'); colon != std::string_view::npos) name.remove_prefix(colon + 1);
    if (name.empty()) return Error();
    if (self_closing) {
      pending_end_ = true;
      pending_name_ = name;
    }
    return {end ? Token::Type::kEnd : Token::Type::kStart, name, {}};
  }

  std::string_view doc_;
  size_t pos_ = 0;
  bool pending_end_ = false;
  std::string_view pending_name_;
};

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

class Parser {
 public:
  explicit Parser(std::string_view doc) : reader_(doc) {}

  // The next start or end tag, skipping blank text; false on anything else.
  bool NextTag(Token& t) {
    do {
      t = reader_.Next();
    } while (t.type == Token::Type::kText && IsBlank(t.text));
    return t.type == Token::Type::kStart || t.type == Token::Type::kEnd;
  }

  bool ExpectStart(std::string_view name) {
    Token t;
    return NextTag(t) && t.type == Token::Type::kStart && t.name == name;
  }

  bool ExpectEnd(std::string_view name) {
    Token t;
    return NextTag(t) && t.type == Token::Type::kEnd && t.name == name;
  }

  // The text of an element whose start tag was read, up to its end tag.
  bool ElementText(std::string_view name, std::string& text) {
    while (true) {
      Token t = reader_.Next();
      if (t.type == Token::Type::kText) {
        text += t.text;
      } else {
        return t.type == Token::Type::kEnd && t.name == name;
      }
    }
  }

  // After <value>: the value and its </value>.
  bool Value(XmlRpcValue& v, int depth) {
    if (depth > kMaxDepth) return false;
    std::string text;
    Token t = reader_.Next();
    while (t.type == Token::Type::kText) {
      text += t.text;
      t = reader_.Next();
    }
    if (t.type == Token::Type::kEnd && t.name == "value") {  // untyped: a string
      v.kind = XmlRpcValue::Kind::kString;
      v.text = std::move(text);
      return true;
    }
    if (t.type != Token::Type::kStart || !IsBlank(text)) return false;
    std::string_view type = t.name;
    if (type == "struct") return Struct(v, depth) && ExpectEnd("value");
    if (type == "array") return Array(v, depth) && ExpectEnd("value");
    if (type == "nil") return ExpectEnd("nil") && ExpectEnd("value");
    text.clear();
    if (!ElementText(type, text)) return false;
    return Scalar(type, text, v) && ExpectEnd("value");
  }

  static bool Scalar(std::string_view type, const std::string& text, XmlRpcValue& v) {
    using K = XmlRpcValue::Kind;
    std::string_view trimmed = text;
    while (!trimmed.empty() && std::string_view(" \t\r\n").find(trimmed.front()) != std::string_view::npos) {
      trimmed.remove_prefix(1);
    }
    while (!trimmed.empty() && std::string_view(" \t\r\n").find(trimmed.back()) != std::string_view::npos) {
      trimmed.remove_suffix(1);
    }
    if (type == "string") {
      v.kind = K::kString;
      v.text = text;
    } else if (type == "int" || type == "i4" || type == "i8" || type == "i1" || type == "i2") {
      v.kind = K::kInt;
      std::string_view s = trimmed;
      if (!s.empty() && s[0] == '+') s.remove_prefix(1);
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v.integer);
      return !s.empty() && ec == std::errc() && p == s.data() + s.size();
    } else if (type == "boolean") {
      v.kind = K::kBool;
      if (trimmed == "1" || trimmed == "true") v.integer = 1;
      else if (trimmed == "0" || trimmed == "false") v.integer = 0;
      else return false;
    } else if (type == "double") {
      v.kind = K::kDouble;
      auto [p, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), v.real);
      return !trimmed.empty() && ec == std::errc() && p == trimmed.data() + trimmed.size();
    } else if (type == "dateTime.iso8601" || type == "base64") {
      v.kind = type == "base64" ? K::kBase64 : K::kDateTime;
      v.text = std::string(trimmed);
    } else {
      return false;
    }
    return true;
  }

  // After <struct>: members up to </struct>.
  bool Struct(XmlRpcValue& v, int depth) {
    v.kind = XmlRpcValue::Kind::kStruct;
    Token t;
    while (NextTag(t) && t.type == Token::Type::kStart && t.name == "member") {
      std::string name;
      XmlRpcValue member;
      if (!ExpectStart("name") || !ElementText("name", name)) return false;
      if (!ExpectStart("value") || !Value(member, depth + 1) || !ExpectEnd("member")) return false;
      v.members.push_back({std::move(name), std::move(member)});
    }
    return t.type == Token::Type::kEnd && t.name == "struct";
  }

  // After <array>: <data> values </data> </array>.
  bool Array(XmlRpcValue& v, int depth) {
    v.kind = XmlRpcValue::Kind::kArray;
    if (!ExpectStart("data")) return false;
    Token t;
    while (NextTag(t) && t.type == Token::Type::kStart && t.name == "value") {
      v.array.emplace_back();
      if (!Value(v.array.back(), depth + 1)) return false;
    }
    return t.type == Token::Type::kEnd && t.name == "data" && ExpectEnd("array");
  }

 private:
  XmlReader reader_;
};

}  // namespace

bool ParseXmlRpcResponse(std::string_view xml, XmlRpcValue& value, std::string& error) {
  Parser p(xml);
  Token t;
  if (!p.ExpectStart("methodResponse") || !p.NextTag(t) || t.type != Token::Type::kStart) {
    error = "invalid response: missing methodResponse";
    return false;
  }
  if (t.name == "fault") {
    XmlRpcValue fault;
    if (!p.ExpectStart("value") || !p.Value(fault, 0)) {
      error = "invalid response: malformed fault";
      return false;
    }
    const XmlRpcValue* code = fault.Member("faultCode");
    const XmlRpcValue* text = fault.Member("faultString");
    error = "fault " + std::to_string(code ? code->integer : 0) + ": " + (text ? text->text : std::string());
    return false;
  }
  if (t.name != "params" || !p.ExpectStart("param") || !p.ExpectStart("value")) {
    error = "invalid response: missing params";
    return false;
  }
  value = XmlRpcValue{};
  if (!p.Value(value, 0)) {
    error = "invalid response: malformed value";
    return false;
  }
  return true;
}

std::string XmlRpcCall(std::string_view method) {
  std::string escaped;
  for (char c : method) {
    switch (c) {
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '&': escaped += "&amp;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&apos;"; break;
      default: escaped += c;
    }
  }
  return "<?xml version=\"1.0\"?><methodCall><methodName>" + escaped + "</methodName><params></params></methodCall>";
}

}  // namespace node_agent
