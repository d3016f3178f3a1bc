// The chat page served at / (src/server/chat_page.html, compiled in by CMake).
#pragma once

#include <string_view>

namespace r1::server {

std::string_view chat_page_html();

}  // namespace r1::server
