#include "service/text_job.h"

#include "service/served_model.h"

namespace textembed::service {

void RequestState::Deliver(size_t index, std::shared_ptr<const TextOutput> output) {
  Done done;
  std::vector<std::shared_ptr<const TextOutput>> outputs;
  {
    std::lock_guard lock(mutex_);
    if (finished_ || outputs_[index] != nullptr) return;
    outputs_[index] = std::move(output);
    if (--remaining_ != 0) return;
    finished_ = true;
    done = std::move(done_);
    outputs = std::move(outputs_);
  }
  done(std::move(outputs));
}

void RequestState::Fail(const Status& status) {
  Done done;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    done = std::move(done_);
  }
  done(status);
}

bool RequestState::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

TextJob::TextJob(std::shared_ptr<ServedModel> model, JobSpec spec, std::optional<Clock::time_point> deadline)
    : model_(std::move(model)), spec_(std::move(spec)), deadline_(std::make_shared<SharedDeadline>()) {
  if (deadline) deadline_->ns.store(SharedDeadline::ToNs(*deadline));
}

void TextJob::AddWaiter(std::shared_ptr<RequestState> request, size_t index,
                        std::optional<Clock::time_point> deadline) {
  if (!waiters_.empty()) deadline_->Extend(deadline);  // the first set it in the constructor
  waiters_.emplace_back(std::move(request), index);
}

std::vector<BatchItem> TextJob::MakeItems(std::vector<TextWindow> windows) {
  {
    std::lock_guard lock(mutex_);
    windows_left_ = windows.size();
    window_outputs_.resize(windows.size());
    windows_.clear();
    for (const TextWindow& window : windows)
      windows_.push_back(TextOutput::Chunk{window.bytes, static_cast<uint32_t>(window.ids.size())});
  }
  std::vector<BatchItem> items(windows.size());
  std::shared_ptr<TextJob> self = shared_from_this();
  for (size_t i = 0; i < windows.size(); ++i) {
    items[i].ids = std::move(windows[i].ids);
    items[i].type_ids = std::move(windows[i].type_ids);
    items[i].token_states = spec_.token_states;
    items[i].deadline = deadline_;
    items[i].done = [self, i](Result<std::vector<float>> output) { self->OnWindow(i, std::move(output)); };
  }
  return items;
}

std::vector<std::pair<std::shared_ptr<RequestState>, size_t>> TextJob::TakeWaiters() {
  if (!spec_.key) return std::move(waiters_);
  std::lock_guard lock(model_->inflight_mutex());
  auto& table = model_->inflight();
  if (auto it = table.find(*spec_.key); it != table.end() && it->second.get() == this) table.erase(it);
  return std::move(waiters_);
}

void TextJob::Fail(const Status& status) {
  {
    std::lock_guard lock(mutex_);
    failed_ = true;
  }
  for (auto& [request, index] : TakeWaiters()) request->Fail(status);
}

void TextJob::OnWindow(size_t window, Result<std::vector<float>> output) {
  {
    std::lock_guard lock(mutex_);
    if (failed_) return;
    if (output.ok()) {
      window_outputs_[window] = std::move(output).value();
      if (--windows_left_ != 0) return;
    } else {
      failed_ = true;
    }
  }
  if (!output.ok()) {
    Fail(output.status());
    return;
  }
  Finish();
}

void TextJob::Finish() {
  auto result = std::make_shared<TextOutput>();
  for (const TextOutput::Chunk& chunk : windows_) result->tokens += chunk.tokens;
  if (spec_.token_states) {
    const size_t hidden = model_->info().hidden_size;
    result->values = std::move(window_outputs_.front());
    result->dimension = hidden;
    result->rows = hidden == 0 ? 0 : result->values.size() / hidden;
  } else if (spec_.mode == LongTextMode::kChunkEach) {
    for (size_t i = 0; i < window_outputs_.size(); ++i) {
      std::vector<float> row = FinishVector(window_outputs_[i], spec_.vector);
      result->dimension = row.size();
      result->values.insert(result->values.end(), row.begin(), row.end());
    }
    result->rows = window_outputs_.size();
    result->chunks = windows_;
  } else {
    std::vector<float> pooled;
    if (window_outputs_.size() == 1) {
      pooled = std::move(window_outputs_.front());
    } else {
      // kChunkMean: the chunk embeddings as the caller would get them,
      // averaged by token count; FinishVector renormalizes the mean.
      std::vector<size_t> weights;
      VectorOptions chunk_options = spec_.vector;
      chunk_options.dimensions.reset();
      for (size_t i = 0; i < window_outputs_.size(); ++i) {
        window_outputs_[i] = FinishVector(window_outputs_[i], chunk_options);
        weights.push_back(windows_[i].tokens);
      }
      pooled = WeightedMean(window_outputs_, weights);
    }
    result->values = FinishVector(pooled, spec_.vector);
    result->dimension = result->values.size();
    result->rows = 1;
  }
  window_outputs_.clear();
  if (spec_.cache != nullptr && spec_.key && result->rows == 1 && spec_.mode != LongTextMode::kChunkEach)
    spec_.cache->Put(*spec_.key, result->values);
  for (auto& [request, index] : TakeWaiters()) request->Deliver(index, result);
}

}  // namespace textembed::service
