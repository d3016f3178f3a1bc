// trainer_state.json: written with every field, read back strictly (a resumed run must not
// silently fall back to defaults).
#include "train/trainer_state.h"

#include <type_traits>

#include "core/error.h"

namespace r1 {

Json trainer_state_to_json(const TrainerState& s) {
  Json j;
  j["step"] = s.step;
  j["data"] = {{"batch", s.data.batch},
               {"seq_len", s.data.seq_len},
               {"grad_accum", s.data.grad_accum},
               {"order", batch_order_name(s.data.order)},
               {"seed", s.data.seed},
               {"rows_consumed", s.rows_consumed()}};
  j["lr_schedule"] = {{"lr", s.schedule.lr},
                      {"warmup_steps", s.schedule.warmup_steps},
                      {"total_steps", s.schedule.total_steps},
                      {"decay", lr_decay_name(s.schedule.decay)},
                      {"min_lr_ratio", s.schedule.min_lr_ratio},
                      {"current_lr", lr_at(s.schedule, s.step)}};
  j["adamw"] = {{"beta1", s.adamw.beta1},
                {"beta2", s.adamw.beta2},
                {"eps", s.adamw.eps},
                {"weight_decay", s.adamw.weight_decay}};
  j["clip"] = s.clip;
  j["compute"] = compute_type_name(s.compute);
  j["flags"] = s.flags;
  return j;
}

namespace {

// j[key] as T; ConfigError naming the source and the dotted field otherwise.
template <typename T>
T field(const Json& j, const std::string& key, const std::string& source,
        const std::string& where) {
  const std::string name = where.empty() ? key : where + "." + key;
  if (!j.is_object() || !j.contains(key))
    throw ConfigError(source + ": missing field '" + name + "'");
  const Json& v = j[key];
  const bool ok = std::is_same_v<T, std::string> ? v.is_string()
                  : std::is_floating_point_v<T>  ? v.is_number()
                                                 : v.is_number_integer();
  if (!ok)
    throw ConfigError(source + ": field '" + name + "' is " + json_preview(v) + ", expected " +
                      (std::is_same_v<T, std::string> ? "a string" : "a number"));
  return v.get<T>();
}

}  // namespace

TrainerState trainer_state_from_json(const Json& j, const std::string& source) {
  TrainerState s;
  s.step = field<int64_t>(j, "step", source, "");
  const Json& d = j.contains("data") ? j["data"] : Json();
  s.data.batch = field<int64_t>(d, "batch", source, "data");
  s.data.seq_len = field<int64_t>(d, "seq_len", source, "data");
  s.data.grad_accum = field<int64_t>(d, "grad_accum", source, "data");
  s.data.seed = field<uint64_t>(d, "seed", source, "data");
  try {
    s.data.order = parse_batch_order(field<std::string>(d, "order", source, "data"));
    const Json& l = j.contains("lr_schedule") ? j["lr_schedule"] : Json();
    s.schedule.decay = parse_lr_decay(field<std::string>(l, "decay", source, "lr_schedule"));
    s.schedule.lr = field<double>(l, "lr", source, "lr_schedule");
    s.schedule.warmup_steps = field<int64_t>(l, "warmup_steps", source, "lr_schedule");
    s.schedule.total_steps = field<int64_t>(l, "total_steps", source, "lr_schedule");
    s.schedule.min_lr_ratio = field<double>(l, "min_lr_ratio", source, "lr_schedule");
    // Checkpoints from before --compute existed were trained in f32.
    if (j.contains("compute"))
      s.compute = parse_compute_type(field<std::string>(j, "compute", source, ""));
  } catch (const UsageError& e) {
    throw ConfigError(source + ": " + e.what());
  }
  const Json& a = j.contains("adamw") ? j["adamw"] : Json();
  s.adamw.beta1 = field<double>(a, "beta1", source, "adamw");
  s.adamw.beta2 = field<double>(a, "beta2", source, "adamw");
  s.adamw.eps = field<double>(a, "eps", source, "adamw");
  s.adamw.weight_decay = field<double>(a, "weight_decay", source, "adamw");
  s.clip = field<double>(j, "clip", source, "");
  if (!j.contains("flags") || !j["flags"].is_object())
    throw ConfigError(source + ": field 'flags' must be an object");
  s.flags = j["flags"];
  if (s.step < 0 || s.data.batch < 1 || s.data.seq_len < 1 || s.data.grad_accum < 1)
    throw ConfigError(source +
                      ": step must be >= 0 and data.batch, data.seq_len, "
                      "data.grad_accum >= 1");
  return s;
}

}  // namespace r1
