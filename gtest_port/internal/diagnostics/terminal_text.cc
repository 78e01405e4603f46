#include "gtest_port/internal/diagnostics/terminal_text.h"

#include <cstdint>

#include "absl/strings/escaping.h"

namespace gtest_port_internal {
namespace {

// The code point of the UTF-8 sequence at text[*i], advancing *i; -1 for an
// invalid or overlong sequence.
int32_t NextCodePoint(absl::string_view text, size_t* i) {
  const auto byte = [&](size_t k) {
    return static_cast<uint8_t>(text[*i + k]);
  };
  const uint8_t lead = byte(0);
  int length;
  int32_t cp;
  if (lead < 0x80) {
    length = 1;
    cp = lead;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2;
    cp = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    cp = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return -1;
  }
  if (*i + length > text.size()) return -1;
  for (int k = 1; k < length; ++k) {
    if ((byte(k) & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (byte(k) & 0x3f);
  }
  static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return -1;
  }
  *i += length;
  return cp;
}

bool Dangerous(int32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||  // C0, DEL, C1.
         (cp >= 0x202a && cp <= 0x202e) ||           // Bidi embeddings.
         (cp >= 0x2066 && cp <= 0x2069) ||           // Bidi isolates.
         cp == 0x200e || cp == 0x200f || cp == 0x061c;  // Bidi marks.
}

}  // namespace

bool TerminalSafe(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const int32_t cp = NextCodePoint(text, &i);
    if (cp < 0 || Dangerous(cp)) return false;
  }
  return true;
}

std::string EscapeForTerminal(absl::string_view text) {
  if (TerminalSafe(text)) return std::string(text);
  return absl::CHexEscape(text);
}

}  // namespace gtest_port_internal
