// RecordingBackend — a worker::Backend that passes every call to another and tells an observer
// when a run starts and how it ends, so that a full-stack scenario can count who ran what
// (GridStack::runs()) without asking the worker's own bookkeeping, which is what is under test.
#pragma once

#include <functional>
#include <string>
#include <utility>

#include "worker/backend.hpp"

namespace aipg::sim {

class RecordingBackend final : public worker::Backend {
 public:
  enum class Event { kStarted, kFinished, kFailed, kCancelled };
  using Observer = std::function<void(const grid::RunKey&, Event)>;

  // `inner` must outlive this; `observer` may be empty.
  RecordingBackend(worker::Backend& inner, Observer observer)
      : inner_(inner), observer_(std::move(observer)) {}

  std::string kind() const override { return inner_.kind(); }
  void start(const grid::Run& run, const std::string& backend_model, worker::TextFn on_text,
             worker::DoneFn done) override {
    tell(run.key, Event::kStarted);
    inner_.start(run, backend_model, std::move(on_text),
                 [this, key = run.key, done = std::move(done)](Result<worker::Generation> r) {
                   tell(key, r ? Event::kFinished : Event::kFailed);
                   done(std::move(r));
                 });
  }
  void cancel(const grid::RunKey& key) override {
    tell(key, Event::kCancelled);
    inner_.cancel(key);
  }
  void check(worker::HealthFn done) override { inner_.check(std::move(done)); }

 private:
  void tell(const grid::RunKey& key, Event e) {
    if (observer_) observer_(key, e);
  }

  worker::Backend& inner_;
  Observer observer_;
};

}  // namespace aipg::sim
