#include "cli/progress_bar.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace textembed::cli {

ProgressBar::ProgressBar(FILE* input) : input_(input) {
  struct stat info {};
  if (::isatty(STDERR_FILENO) && ::fstat(::fileno(input), &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    enabled_ = true;
    total_bytes_ = static_cast<long>(info.st_size);
  }
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

ProgressBar::~ProgressBar() {
  if (!enabled_) return;
  Draw(last_texts_, true);
  std::fputs("\n", stderr);
}

void ProgressBar::Update(size_t texts) {
  if (!enabled_) return;
  last_texts_ = texts;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  Draw(texts, false);
}

void ProgressBar::Draw(size_t texts, bool final) {
  const long position = final ? total_bytes_ : std::max(0L, std::ftell(input_));
  const double fraction = std::clamp(static_cast<double>(position) / static_cast<double>(total_bytes_), 0.0, 1.0);
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(texts) / seconds : 0.0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r[%s] %3.0f%%  %zu texts  %.0f texts/s ", bar.c_str(), fraction * 100.0, texts, rate);
  std::fflush(stderr);
}

}  // namespace textembed::cli
