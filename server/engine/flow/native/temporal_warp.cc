// Runtime temporal inputs for the sketch model (models/README.md, "Runtime temporal inputs"):
// backward DIS optical flow from the current to the previous frame, the previous output sketch
// warped into the current frame, and a validity mask. One call costs a few ms.
//
// The per-frame work is split in two so that the flow of a stream's next frame can run on a libuv
// pool thread while the engine's JS thread is blocked in the network run of the current one:
// analyze (gray, DIS flow, remap maps, photometric mask: everything but the previous drawing) and
// warp (the previous drawing through those maps, the mask, the scene-cut rule). next() does both.
// After the network, hold() applies the spec's step 6 to its drawing of the frame warped last.
#include <napi.h>

#include <opencv2/core.hpp>
#include <opencv2/core/hal/intrin.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace {

// DIS needs a few 8x8 patches per side; anything past DCI 4K is not a video this server streams.
constexpr int kMinSide = 16;
constexpr int kMaxSide = 4096;
// Flow is computed at most this wide (spec step 2).
constexpr int kMaxFlowWidth = 640;
// Spec step 5: below this fraction of valid pixels the frame is a scene cut.
constexpr double kSceneCutFraction = 0.3;
// Spec step 4 (zero motion): standing still is used where it explains the picture within this many
// levels of the flow's (blurred) residual and the flow is at most kZeroMotionMaxFlow px long, or
// longer but unlike the last frame's flow there (DIS's drift on a still, noisy flat area points
// somewhere new every frame; real motion keeps its direction).
constexpr int kZeroMotionBias = 2;
constexpr float kZeroMotionMaxFlow = 1.f;
// Spec step 4's mask: 255 up to this residual, 16 less per level above it.
constexpr int kMaskFull = 10;
// remap's fixed-point fractions: 1/32 px.
constexpr int kTab = cv::INTER_TAB_SIZE;
// Spec step 6 (the hold): at most this many levels at mask 255.
constexpr int kHoldLevels = 3;
// Rough bytes per pixel that one instance keeps (grays, flow, remap maps, diffs, DIS pyramids), so
// V8's garbage collector knows what an unreachable instance holds.
constexpr int64_t kBytesPerPixel = 57;

bool Overlaps(const uint8_t* a, size_t alen, const uint8_t* b, size_t blen) {
  return a < b + blen && b < a + alen;
}

// One frame's analysis: what warp() needs besides the previous drawing.
struct Analysis {
  cv::Mat map_xy, map_frac;
  // The validity mask before the scene-cut rule.
  cv::Mat mask;
  // 255 where the map is the identity: the previous drawing is copied there, not resampled.
  cv::Mat unmoved;
  double fraction = 0;
  // There was a previous frame and the flow to it was computed.
  bool flowed = false;
};

// An analysis's place in call order, and whether reset() was called just before it.
struct Ticket {
  uint64_t number;
  bool reset;
};

class TemporalWarp : public Napi::ObjectWrap<TemporalWarp> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, "TemporalWarp",
                                      {
                                          InstanceMethod<&TemporalWarp::Next>("next"),
                                          InstanceMethod<&TemporalWarp::AnalyzeAsync>("analyzeAsync"),
                                          InstanceMethod<&TemporalWarp::WarpNext>("warp"),
                                          InstanceMethod<&TemporalWarp::Hold>("hold"),
                                          InstanceMethod<&TemporalWarp::Reset>("reset"),
                                          InstanceMethod<&TemporalWarp::Close>("close"),
                                      });
    exports.Set("TemporalWarp", ctor);
    return exports;
  }

  explicit TemporalWarp(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TemporalWarp>(info) {
    Napi::Env env = info.Env();
    width_ = Dimension(info, 0, "width");
    height_ = Dimension(info, 1, "height");
    factor_ = (width_ + kMaxFlowWidth - 1) / kMaxFlowWidth;
    small_ = cv::Size(width_ / factor_, height_ / factor_);
    try {
      dis_ = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_ULTRAFAST);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("TemporalWarp: ") + e.what());
    }
    external_bytes_ = kBytesPerPixel * width_ * height_;
    Napi::MemoryManagement::AdjustExternalMemory(env, external_bytes_);
  }

  ~TemporalWarp() override { Release(Env()); }

 private:
  static int Dimension(const Napi::CallbackInfo& info, size_t i, const char* name) {
    Napi::Env env = info.Env();
    if (!info[i].IsNumber()) {
      throw Napi::TypeError::New(env, std::string("TemporalWarp: ") + name + " must be a number");
    }
    const double v = info[i].As<Napi::Number>().DoubleValue();
    if (!(v >= kMinSide && v <= kMaxSide) || v != static_cast<int>(v)) {
      throw Napi::RangeError::New(env, std::string("TemporalWarp: ") + name + " must be an integer in [" +
                                           std::to_string(kMinSide) + ", " + std::to_string(kMaxSide) +
                                           "], got " + info[i].ToString().Utf8Value());
    }
    return static_cast<int>(v);
  }

  // A Uint8Array argument of exactly `bytes` bytes, returned as its data pointer.
  static uint8_t* Bytes(const Napi::CallbackInfo& info, const char* method, size_t i, const char* name,
                        size_t bytes) {
    Napi::Env env = info.Env();
    const Napi::Value v = info[i];
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw Napi::TypeError::New(env, std::string(method) + ": " + name + " must be a Uint8Array");
    }
    auto arr = v.As<Napi::Uint8Array>();
    if (arr.ByteLength() != bytes) {
      throw Napi::RangeError::New(env, std::string(method) + ": " + name + " must be " + std::to_string(bytes) +
                                           " bytes, got " + std::to_string(arr.ByteLength()));
    }
    return arr.Data();
  }

  // The (prevSketch | null, outPrev, outMask) arguments of next() and warp(), from index `first`.
  struct WarpArgs {
    uint8_t* sketch;
    uint8_t* out_prev;
    uint8_t* out_mask;
  };
  WarpArgs WarpArguments(const Napi::CallbackInfo& info, const char* method, size_t first) const {
    const size_t n = static_cast<size_t>(width_) * height_;
    const Napi::Value s = info[first];
    WarpArgs a{s.IsNull() || s.IsUndefined() ? nullptr : Bytes(info, method, first, "prevSketch", n),
               Bytes(info, method, first + 1, "outPrev", n), Bytes(info, method, first + 2, "outMask", n)};
    if (Overlaps(a.out_prev, n, a.out_mask, n)) {
      throw Napi::RangeError::New(info.Env(), std::string(method) + ": outPrev and outMask must not overlap");
    }
    return a;
  }

  void CheckOpen(Napi::Env env) const {
    if (closed_) throw Napi::Error::New(env, "TemporalWarp: used after close()");
  }

  Napi::Value Next(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (info.Length() != 4) {
      throw Napi::TypeError::New(env, "TemporalWarp.next expects (frameRgb, prevSketch | null, outPrev, outMask)");
    }
    const size_t n = static_cast<size_t>(width_) * height_;
    uint8_t* frame = Bytes(info, "TemporalWarp.next", 0, "frameRgb", n * 3);
    const WarpArgs a = WarpArguments(info, "TemporalWarp.next", 1);
    // Its analysis goes through the queue that warp() pops: nothing else may be in it.
    if (!Idle()) throw Napi::Error::New(env, "TemporalWarp.next: analyzeAsync() calls are pending; use warp()");
    try {
      // The flow runs without a sketch too, as in analyzeAsync(): the next frame's zero motion uses it.
      Analyze(Issue(), frame);
      return Napi::Number::New(env, Warp(a));
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("TemporalWarp.next: ") + e.what());
    }
  }

  Napi::Value AnalyzeAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (info.Length() != 1) throw Napi::TypeError::New(env, "TemporalWarp.analyzeAsync expects (frameRgb)");
    const size_t n = static_cast<size_t>(width_) * height_;
    uint8_t* frame = Bytes(info, "TemporalWarp.analyzeAsync", 0, "frameRgb", n * 3);
    auto* worker = new AnalyzeWorker(env, *this, info.This().As<Napi::Object>(), info[0].As<Napi::Uint8Array>(),
                                     frame);
    const Napi::Promise promise = worker->Promise();
    // The ticket only once nothing can throw before the work is queued: close() waits for every
    // ticket issued. Queued in call order; libuv may still start them on different pool threads.
    worker->Queue(Issue());
    return promise;
  }

  Napi::Value WarpNext(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (info.Length() != 3) {
      throw Napi::TypeError::New(env, "TemporalWarp.warp expects (prevSketch | null, outPrev, outMask)");
    }
    const WarpArgs a = WarpArguments(info, "TemporalWarp.warp", 0);
    try {
      return Napi::Number::New(env, Warp(a));
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("TemporalWarp.warp: ") + e.what());
    }
  }

  // hold(sketch, prev, mask), spec step 6 in place on the network's drawing of the frame warped
  // last, given that frame's outPrev and outMask: where the previous drawing was not resampled,
  // the value nearest prev within h = kHoldLevels * mask / 255 levels of the drawing.
  Napi::Value Hold(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    CheckOpen(env);
    if (info.Length() != 3) throw Napi::TypeError::New(env, "TemporalWarp.hold expects (sketch, prev, mask)");
    const size_t n = static_cast<size_t>(width_) * height_;
    uint8_t* sketch = Bytes(info, "TemporalWarp.hold", 0, "sketch", n);
    const uint8_t* prev = Bytes(info, "TemporalWarp.hold", 1, "prev", n);
    const uint8_t* mask = Bytes(info, "TemporalWarp.hold", 2, "mask", n);
    if (Overlaps(sketch, n, prev, n) || Overlaps(sketch, n, mask, n)) {
      throw Napi::RangeError::New(env, "TemporalWarp.hold: sketch must not overlap prev or mask");
    }
    if (!hold_pending_) throw Napi::Error::New(env, "TemporalWarp.hold: no warped frame to hold (next() or warp() first)");
    hold_pending_ = false;
    if (!hold_unmoved_) return env.Undefined();
    const uint8_t* still = unmoved_.ptr<uint8_t>();
    for (size_t i = 0; i < n; ++i) {
      if (!still[i]) continue;
      const int h = kHoldLevels * mask[i] / 255, s = sketch[i], p = prev[i];
      sketch[i] = static_cast<uint8_t>(p < s - h ? s - h : p > s + h ? s + h : p);
    }
    return env.Undefined();
  }

  // Runs one analysis on a libuv pool thread; the promise settles with its valid fraction.
  class AnalyzeWorker : public Napi::AsyncWorker {
   public:
    AnalyzeWorker(Napi::Env env, TemporalWarp& tw, Napi::Object self, Napi::Uint8Array frame, const uint8_t* data)
        : Napi::AsyncWorker(env, "TemporalWarp.analyzeAsync"),
          tw_(tw),
          // Both stay alive until the worker is deleted on the JS thread: the object's buffers, and
          // the frame's memory, which the pool thread reads.
          self_(Napi::Persistent(self)),
          frame_(Napi::Persistent(frame)),
          data_(data),
          deferred_(Napi::Promise::Deferred::New(env)) {}

    Napi::Promise Promise() const { return deferred_.Promise(); }

    void Queue(Ticket ticket) {
      ticket_ = ticket;
      Napi::AsyncWorker::Queue();
    }

   protected:
    void Execute() override {
      try {
        fraction_ = tw_.Analyze(ticket_, data_);
      } catch (const std::exception& e) {
        SetError(std::string("TemporalWarp.analyzeAsync: ") + e.what());
      }
    }
    void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), fraction_)); }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    TemporalWarp& tw_;
    Napi::ObjectReference self_;
    Napi::Reference<Napi::Uint8Array> frame_;
    const uint8_t* data_;
    Ticket ticket_{0, false};
    Napi::Promise::Deferred deferred_;
    double fraction_ = 0;
  };

  // One analysis's turn: those of one object run one at a time in ticket (call) order, whichever
  // pool threads libuv starts them on, so the next one starts the moment the last one ends. A waiting
  // one holds a pool thread, but libuv dequeues in order, so the one it waits for is already running.
  class Turn {
   public:
    Turn(TemporalWarp& tw, uint64_t ticket) : tw_(tw) {
      std::unique_lock<std::mutex> lock(tw_.mutex_);
      tw_.turn_.wait(lock, [&] { return tw_.serving_ == ticket; });
    }
    ~Turn() {
      {
        std::lock_guard<std::mutex> lock(tw_.mutex_);
        ++tw_.serving_;
      }
      tw_.turn_.notify_all();
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    TemporalWarp& tw_;
  };

  // On the JS thread: the next place in call order, carrying a reset() made since the last one.
  Ticket Issue() {
    const Ticket t{issued_++, reset_next_};
    reset_next_ = false;
    return t;
  }

  // Every analysis issued has run and been warped.
  bool Idle() {
    std::lock_guard<std::mutex> lock(mutex_);
    return serving_ == issued_ && ready_.empty();
  }

  // Spec steps 1-4 without the previous drawing, on any thread, in ticket order; queues the result
  // for warp(). This frame becomes the next one's previous frame.
  double Analyze(Ticket ticket, const uint8_t* frame) {
    Turn turn(*this, ticket.number);
    if (ticket.reset) has_prev_ = false;
    std::unique_ptr<Analysis> a;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!spare_.empty()) {
        a = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    if (!a) a = std::make_unique<Analysis>();
    try {
      // A header over the JS memory, read only.
      cv::Mat rgb(height_, width_, CV_8UC3, const_cast<uint8_t*>(frame));
      cv::cvtColor(rgb, gray_cur_, cv::COLOR_RGB2GRAY);
      if (factor_ > 1) cv::resize(gray_cur_, small_cur_, small_, 0, 0, cv::INTER_AREA);
      a->flowed = has_prev_;
      if (!a->flowed) last_flow_.release();  // no pair, no flow to compare the next one with
      a->fraction = a->flowed ? Flow(*a) : 0;
    } catch (...) {
      // The previous gray may be half written: the next frame starts over.
      has_prev_ = false;
      last_flow_.release();
      throw;
    }
    // The current frame becomes the next call's previous one; swapping keeps both buffers alive.
    std::swap(gray_prev_, gray_cur_);
    std::swap(small_prev_, small_cur_);
    has_prev_ = true;
    const double fraction = a->fraction;
    std::lock_guard<std::mutex> lock(mutex_);
    ready_.push_back(std::move(a));
    return fraction;
  }

  // On the JS thread: pops the oldest analysis and writes outPrev and outMask from it. Returns the
  // valid fraction, or 0 without a previous frame or sketch.
  double Warp(const WarpArgs& args) {
    std::unique_ptr<Analysis> a;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (ready_.empty()) throw std::runtime_error("no analyzed frame to warp (await analyzeAsync() first)");
      a = std::move(ready_.front());
      ready_.pop_front();
    }
    const size_t n = static_cast<size_t>(width_) * height_;
    // Headers over the JS memory: no copies in or out.
    cv::Mat prev_out(height_, width_, CV_8UC1, args.out_prev);
    cv::Mat mask(height_, width_, CV_8UC1, args.out_mask);
    double fraction = 0;
    if (a->flowed && args.sketch != nullptr) {
      cv::Mat prev_sketch(height_, width_, CV_8UC1, args.sketch);
      // remap must not read what it writes (it guards only against exact aliasing), and the caller
      // may hand last frame's output buffer back as outPrev.
      if (Overlaps(args.sketch, n, args.out_prev, n)) {
        prev_sketch.copyTo(sketch_copy_);
        prev_sketch = sketch_copy_;
      }
      warped_sketch_.create(height_, width_, CV_8UC1);
      RemapSketch(prev_sketch, warped_sketch_, *a);
      Sharpen(warped_sketch_, prev_out, *a);
      a->mask.copyTo(mask);
      fraction = a->fraction;
    }
    if (fraction < kSceneCutFraction) {
      prev_out.setTo(255);
      mask.setTo(0);
    }
    // What hold() holds: nothing without a previous drawing (mask 0 there anyway).
    hold_pending_ = true;
    hold_unmoved_ = fraction >= kSceneCutFraction;
    if (hold_unmoved_) std::swap(unmoved_, a->unmoved);
    std::lock_guard<std::mutex> lock(mutex_);
    spare_.push_back(std::move(a));
    return fraction;
  }

  // cv::remap of the previous drawing through the analysis's maps (border: paper), except that rows
  // where the map is the identity everywhere (a still camera's background: zero motion) are copied;
  // remap resamples those at full cost (~0.7 ms a 640x368 frame on this thread, the engine's).
  // Identical bytes: at an identity pixel remap's bilinear weights are (1, 0, 0, 0).
  static void RemapSketch(const cv::Mat& src, cv::Mat& dst, const Analysis& a) {
    const int h = src.rows, w = src.cols;
    const auto still = [&](int y) { return std::memchr(a.unmoved.ptr<uint8_t>(y), 0, w) == nullptr; };
    for (int y = 0; y < h;) {
      int end = y + 1;
      const bool copy = still(y);
      while (end < h && still(end) == copy) ++end;
      const cv::Range rows(y, end);
      if (copy) {
        src.rowRange(rows).copyTo(dst.rowRange(rows));
      } else {
        // remap's map coordinates are absolute, so a band of rows remaps from the whole source.
        cv::Mat band = dst.rowRange(rows);
        cv::remap(src, band, a.map_xy.rowRange(rows), a.map_frac.rowRange(rows), cv::INTER_LINEAR,
                  cv::BORDER_CONSTANT, cv::Scalar(255));
      }
      y = end;
    }
  }

  // Spec step 3's sharpening of the warped drawing by the blur its bilinear weights caused: per axis
  // out = w + f (32 - f) (2 w - left - right) / 2048 with f the 5-bit fraction (f (1 - f) / 2 in
  // pixels, which cancels the blur to second order and never amplifies), neighbours replicated at
  // the border, integer rounding as in models/temporal.py. Rows the remap copied are copied.
  static void Sharpen(const cv::Mat& src, cv::Mat& dst, const Analysis& a) {
    const int h = src.rows, w = src.cols;
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = src.ptr<uint8_t>(y);
      uint8_t* out = dst.ptr<uint8_t>(y);
      if (std::memchr(a.unmoved.ptr<uint8_t>(y), 0, w) == nullptr) {
        std::memcpy(out, row, w);
        continue;
      }
      const uint8_t* up = src.ptr<uint8_t>(y > 0 ? y - 1 : y);
      const uint8_t* down = src.ptr<uint8_t>(y < h - 1 ? y + 1 : y);
      const uint16_t* frac = a.map_frac.ptr<uint16_t>(y);
      const auto one = [&](int x) {
        const int fx = frac[x] & (kTab - 1), fy = frac[x] >> cv::INTER_BITS;
        const int c = row[x];
        const int lx = 2 * c - row[x > 0 ? x - 1 : x] - row[x < w - 1 ? x + 1 : x];
        const int ly = 2 * c - up[x] - down[x];
        out[x] = cv::saturate_cast<uint8_t>(c + ((fx * (kTab - fx) * lx + fy * (kTab - fy) * ly + 1024) >> 11));
      };
      one(0);
      int x = 1;
#if CV_SIMD128
      // The same integers 8 pixels at a time (the scalar loop cost ~0.5 ms a 640x360 frame, 2.5 at
      // 1280x720): weights and Laplacians as int16 pairs, one multiply-add per pixel to int32.
      const cv::v_uint16x8 vlow = cv::v_setall_u16(kTab - 1), vtab = cv::v_setall_u16(kTab);
      const cv::v_int32x4 vhalf = cv::v_setall_s32(1024);
      for (; x <= w - 9; x += 8) {
        const cv::v_uint16x8 f = cv::v_load(frac + x);
        const cv::v_uint16x8 fx = f & vlow, fy = f >> cv::INTER_BITS;
        const cv::v_int16x8 ax = cv::v_reinterpret_as_s16(fx * (vtab - fx));
        const cv::v_int16x8 ay = cv::v_reinterpret_as_s16(fy * (vtab - fy));
        const cv::v_int16x8 c = cv::v_reinterpret_as_s16(cv::v_load_expand(row + x));
        const cv::v_int16x8 lx = c + c - cv::v_reinterpret_as_s16(cv::v_load_expand(row + x - 1)) -
                                 cv::v_reinterpret_as_s16(cv::v_load_expand(row + x + 1));
        const cv::v_int16x8 ly = c + c - cv::v_reinterpret_as_s16(cv::v_load_expand(up + x)) -
                                 cv::v_reinterpret_as_s16(cv::v_load_expand(down + x));
        cv::v_int16x8 a0, a1, l0, l1;
        cv::v_zip(ax, ay, a0, a1);
        cv::v_zip(lx, ly, l0, l1);
        cv::v_int32x4 c0, c1;
        cv::v_expand(c, c0, c1);
        const cv::v_int32x4 s0 = c0 + ((cv::v_dotprod(a0, l0) + vhalf) >> 11);
        const cv::v_int32x4 s1 = c1 + ((cv::v_dotprod(a1, l1) + vhalf) >> 11);
        cv::v_pack_u_store(out + x, cv::v_pack(s0, s1));
      }
#endif
      for (; x < w; ++x) one(x);
    }
  }

  // Spec steps 2-4 up to the mask, into `a`; returns the fraction of pixels with mask >= 128.
  double Flow(Analysis& a) {
    // DIS takes an output flow of the right size and type as its initial guess, which the spec (and
    // the Python side, which passes None) does not do: hand it an empty one every time.
    float scale = 1.f;
    if (factor_ > 1) {
      flow_small_.release();
      dis_->calc(small_cur_, small_prev_, flow_small_);
      cv::resize(flow_small_, flow_, gray_cur_.size(), 0, 0, cv::INTER_LINEAR);
      scale = static_cast<float>(factor_);
    } else {
      flow_.release();
      dis_->calc(gray_cur_, gray_prev_, flow_);
    }
    BuildMaps(scale, a.map_xy, a.map_frac);
    cv::remap(gray_prev_, warped_gray_, a.map_xy, a.map_frac, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::absdiff(gray_cur_, warped_gray_, diff_);
    cv::blur(diff_, diff_, cv::Size(5, 5));
    cv::absdiff(gray_cur_, gray_prev_, still_diff_);
    cv::blur(still_diff_, still_diff_, cv::Size(5, 5));
    ApplyZeroMotion(scale, a.map_xy, a.map_frac, a.unmoved);
    // The next frame's zero motion compares its flow with this one (as computed, before zero motion).
    std::swap(flow_, last_flow_);
    // Saturating conversion computes clip(255 - 16 * (d - kMaskFull), 0, 255) exactly.
    diff_.convertTo(a.mask, CV_8U, -16, 255 + 16 * kMaskFull);
    cv::bitwise_and(a.mask, inside_, a.mask);
    cv::threshold(a.mask, diff_, 127, 255, cv::THRESH_BINARY);
    const int valid = cv::countNonZero(diff_);
    return static_cast<double>(valid) / (static_cast<double>(width_) * height_);
  }

  // One pass over the flow: map = grid + scale * flow (spec step 3) in remap's fixed-point form
  // (what convertMaps(..., CV_16SC2) makes, and what remap makes internally from float maps),
  // plus inside_ = 255 where the map lies within [0, w-1] x [0, h-1], the previous frame.
  void BuildMaps(float scale, cv::Mat& map_xy, cv::Mat& map_frac) {
    map_xy.create(height_, width_, CV_16SC2);
    map_frac.create(height_, width_, CV_16UC1);
    inside_.create(height_, width_, CV_8UC1);
    const float max_x = static_cast<float>(width_ - 1);
    const float max_y = static_cast<float>(height_ - 1);
    for (int y = 0; y < height_; ++y) {
      const float* f = flow_.ptr<float>(y);
      auto* xy = map_xy.ptr<int16_t>(y);
      auto* frac = map_frac.ptr<uint16_t>(y);
      uint8_t* in = inside_.ptr<uint8_t>(y);
      const float fy = static_cast<float>(y);
      int x = 0;
#if CV_SIMD128
      // The same arithmetic as the scalar loop below, 8 pixels at a time: the compiler does not
      // vectorize that loop, and this cut the pass from ~0.6 to ~0.2 ms at 640x360.
      const cv::v_float32x4 vscale = cv::v_setall_f32(scale), vtab = cv::v_setall_f32(cv::INTER_TAB_SIZE);
      const cv::v_float32x4 vzero = cv::v_setzero_f32(), vmax_x = cv::v_setall_f32(max_x);
      const cv::v_float32x4 vmax_y = cv::v_setall_f32(max_y), vy = cv::v_setall_f32(fy);
      const cv::v_int32x4 vlow = cv::v_setall_s32(cv::INTER_TAB_SIZE - 1);
      for (; x <= width_ - 8; x += 8) {
        cv::v_float32x4 fx0, fy0, fx1, fy1;
        cv::v_load_deinterleave(f + 2 * x, fx0, fy0);
        cv::v_load_deinterleave(f + 2 * x + 8, fx1, fy1);
        const float xs = static_cast<float>(x);
        const cv::v_float32x4 mx0 = cv::v_float32x4(xs, xs + 1, xs + 2, xs + 3) + vscale * fx0;
        const cv::v_float32x4 mx1 = cv::v_float32x4(xs + 4, xs + 5, xs + 6, xs + 7) + vscale * fx1;
        const cv::v_float32x4 my0 = vy + vscale * fy0, my1 = vy + vscale * fy1;
        const cv::v_int32x4 ix0 = cv::v_round(mx0 * vtab), ix1 = cv::v_round(mx1 * vtab);
        const cv::v_int32x4 iy0 = cv::v_round(my0 * vtab), iy1 = cv::v_round(my1 * vtab);
        cv::v_store_interleave(xy + 2 * x, cv::v_pack(ix0 >> cv::INTER_BITS, ix1 >> cv::INTER_BITS),
                               cv::v_pack(iy0 >> cv::INTER_BITS, iy1 >> cv::INTER_BITS));
        cv::v_store(frac + x, cv::v_pack_u(((iy0 & vlow) << cv::INTER_BITS) | (ix0 & vlow),
                                           ((iy1 & vlow) << cv::INTER_BITS) | (ix1 & vlow)));
        const cv::v_float32x4 in0 = (mx0 >= vzero) & (mx0 <= vmax_x) & (my0 >= vzero) & (my0 <= vmax_y);
        const cv::v_float32x4 in1 = (mx1 >= vzero) & (mx1 <= vmax_x) & (my1 >= vzero) & (my1 <= vmax_y);
        // All-ones lanes narrow to 0xFF bytes.
        const cv::v_int16x8 in16 = cv::v_pack(cv::v_reinterpret_as_s32(in0), cv::v_reinterpret_as_s32(in1));
        cv::v_store_low(in + x, cv::v_reinterpret_as_u8(cv::v_pack(in16, in16)));
      }
#endif
      for (; x < width_; ++x) {
        const float mx = static_cast<float>(x) + scale * f[2 * x];
        const float my = fy + scale * f[2 * x + 1];
        const int ix = cvRound(mx * cv::INTER_TAB_SIZE);
        const int iy = cvRound(my * cv::INTER_TAB_SIZE);
        xy[2 * x] = cv::saturate_cast<int16_t>(ix >> cv::INTER_BITS);
        xy[2 * x + 1] = cv::saturate_cast<int16_t>(iy >> cv::INTER_BITS);
        frac[x] = static_cast<uint16_t>(((iy & (cv::INTER_TAB_SIZE - 1)) << cv::INTER_BITS) |
                                        (ix & (cv::INTER_TAB_SIZE - 1)));
        in[x] = mx >= 0.f && mx <= max_x && my >= 0.f && my <= max_y ? 255 : 0;
      }
    }
  }

  // Spec step 4's zero motion: on still content DIS returns ~0.3 px of noise (several px in flat
  // areas), and warping the drawing by it resamples it anew every frame, which is flicker. Where the
  // unmoved previous frame matches about as well as the warped one and the flow is short (or unlike
  // the last one), the maps become the identity and the mask is computed from the unmoved
  // difference. Also marks where the map is the identity (zero motion, or a flow that rounds to
  // none) for the hold.
  void ApplyZeroMotion(float scale, cv::Mat& map_xy, cv::Mat& map_frac, cv::Mat& unmoved) {
    constexpr float max_sq = kZeroMotionMaxFlow * kZeroMotionMaxFlow;
    unmoved.create(height_, width_, CV_8UC1);
    for (int y = 0; y < height_; ++y) {
      uint8_t* um = unmoved.ptr<uint8_t>(y);
      const float* f = flow_.ptr<float>(y);
      const float* last = last_flow_.empty() ? nullptr : last_flow_.ptr<float>(y);
      const uint8_t* still = still_diff_.ptr<uint8_t>(y);
      uint8_t* d = diff_.ptr<uint8_t>(y);
      auto* xy = map_xy.ptr<int16_t>(y);
      auto* frac = map_frac.ptr<uint16_t>(y);
      uint8_t* in = inside_.ptr<uint8_t>(y);
      for (int x = 0; x < width_; ++x) {
        const float fx = scale * f[2 * x], fy = scale * f[2 * x + 1];
        const float length_sq = fx * fx + fy * fy;
        bool short_or_new = length_sq <= max_sq;
        if (!short_or_new && last != nullptr) {
          const float dx = fx - scale * last[2 * x], dy = fy - scale * last[2 * x + 1];
          short_or_new = dx * dx + dy * dy > 0.25f * length_sq;
        }
        if (still[x] <= d[x] + kZeroMotionBias && short_or_new) {
          xy[2 * x] = static_cast<int16_t>(x);
          xy[2 * x + 1] = static_cast<int16_t>(y);
          frac[x] = 0;
          in[x] = 255;
          d[x] = still[x];
        }
        um[x] = xy[2 * x] == x && xy[2 * x + 1] == y && frac[x] == 0 ? 255 : 0;
      }
    }
  }

  // Applies between the analyses issued before and after it, in call order.
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    CheckOpen(info.Env());
    reset_next_ = true;
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release(info.Env());
    return info.Env().Undefined();
  }

  // Frees every OpenCV buffer now instead of at garbage collection; idempotent. Waits for the
  // analyses still running or queued (a few ms each): they use these buffers.
  void Release(Napi::Env env) {
    if (closed_) return;
    closed_ = true;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      turn_.wait(lock, [&] { return serving_ == issued_; });
      ready_.clear();
      spare_.clear();
    }
    has_prev_ = false;
    dis_.release();
    for (cv::Mat* m : {&gray_cur_, &gray_prev_, &small_cur_, &small_prev_, &flow_small_, &flow_, &last_flow_, &warped_gray_,
                       &diff_, &still_diff_, &sketch_copy_, &warped_sketch_, &inside_, &unmoved_}) {
      m->release();
    }
    Napi::MemoryManagement::AdjustExternalMemory(env, -external_bytes_);
    external_bytes_ = 0;
  }

  int width_ = 0, height_ = 0, factor_ = 1;
  cv::Size small_;
  // JS thread only.
  bool closed_ = false, reset_next_ = false;
  // hold()'s input: a warp happened since the last hold, and unmoved_ is that frame's.
  bool hold_pending_ = false, hold_unmoved_ = false;
  cv::Mat unmoved_;
  uint64_t issued_ = 0;
  int64_t external_bytes_ = 0;
  cv::Mat sketch_copy_, warped_sketch_;
  // Guarded by mutex_: the ticket being served, finished analyses in call order, recycled ones.
  std::mutex mutex_;
  std::condition_variable turn_;
  uint64_t serving_ = 0;
  std::deque<std::unique_ptr<Analysis>> ready_;
  std::vector<std::unique_ptr<Analysis>> spare_;
  // Used by the analysis holding the turn only.
  bool has_prev_ = false;
  cv::Ptr<cv::DISOpticalFlow> dis_;
  cv::Mat gray_cur_, gray_prev_, small_cur_, small_prev_, flow_small_, flow_, last_flow_, warped_gray_, diff_,
      still_diff_, inside_;
};

}  // namespace

// release_memory.cc
Napi::Value ReleaseFreedMemory(const Napi::CallbackInfo& info);

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // One OpenCV thread: the box has two cores and onnxruntime already runs two intra-op threads per
  // inference; an OpenCV pool would contend with them for a ~2x gain on a few-ms stage at best.
  cv::setNumThreads(1);
  exports.Set("releaseFreedMemory", Napi::Function::New(env, ReleaseFreedMemory, "releaseFreedMemory"));
  return TemporalWarp::Init(env, exports);
}

}  // namespace

NODE_API_MODULE(temporal_warp, Init)
