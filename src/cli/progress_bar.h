// A one-line progress bar with texts/s on stderr, for long runs over a file:
// shown only when stderr is a terminal and the input is a regular file (its
// size gives the total), redrawn at most every 200 ms.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>

namespace textembed::cli {

class ProgressBar {
 public:
  // `input` is read from; enabled when it is a regular file and stderr a tty.
  explicit ProgressBar(FILE* input);
  ~ProgressBar();  // clears the line

  bool enabled() const { return enabled_; }
  // `texts` done so far; the fraction comes from the input's read position.
  void Update(size_t texts);

 private:
  void Draw(size_t texts, bool final);

  FILE* input_;
  bool enabled_ = false;
  long total_bytes_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  size_t last_texts_ = 0;
};

}  // namespace textembed::cli
