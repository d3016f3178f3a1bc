// Rendering of a parsed template: scopes as Jinja has them (a for-loop body is a fresh scope
// each iteration; if-blocks are not scopes; namespace() attributes outlive both), loop
// variables, break/continue, and errors that name the template position.
#include "chat/jinja_template.h"

#include <algorithm>
#include <unordered_map>

#include "chat/jinja_ast.h"
#include "chat/jinja_builtins.h"
#include "chat/jinja_lexer.h"
#include "chat/jinja_ops.h"
#include "chat/jinja_parser.h"
#include "chat/jinja_text_builder.h"

namespace r1::jinja {

struct Template::Compiled {
  std::string source;  // normalized; positions index into it
  std::string name;
  Body body;
};

namespace {

class Evaluator {
 public:
  Evaluator(const Template::Compiled& c, const Dict& vars, const RenderLimits& limits)
      : c_(c), vars_(vars), budget_(limits) {}

  PromptText run() {
    scopes_.emplace_back();
    exec(c_.body);
    return std::move(out_).take();
  }

 private:
  enum class Flow { Normal, Break, Continue };
  using Scope = std::unordered_map<std::string, Value>;

  [[noreturn]] void fail(size_t pos, const std::string& msg) const {
    throw RenderError(c_.name + ": " + describe_position(c_.source, pos) + ": " + msg);
  }

  void step(size_t pos) {
    try {
      RenderBudget::tick();
    } catch (const JinjaError& e) {
      fail(pos, e.what());
    }
  }

  // Writes a value's text to the output, charged to the budget first.
  void emit(const Value& v, size_t pos) {
    try {
      if (v.is_string()) {
        RenderBudget::charge(v.as_string().size());
        out_.append(v);
      } else {
        const Value s = to_str_value(v);
        RenderBudget::charge(s.as_string().size());
        out_.append(s);
      }
    } catch (const JinjaError& e) {
      fail(pos, e.what());
    }
  }

  // A string copied out of a variable, list or dict is built too: charged to the budget (a
  // loop re-reading one huge string then costs its size each time).
  static Value copied(Value v) {
    if (v.is_string()) RenderBudget::charge(v.as_string().size());
    return v;
  }

  Value lookup(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
      if (auto found = it->find(name); found != it->end()) return found->second;
    for (const Dict* d : {&vars_, &global_functions()})
      for (const auto& [k, v] : *d)
        if (k == name) return v;
    return Value::undefined("'" + name + "' is undefined");
  }

  Flow exec(const Body& body) {
    for (const StmtPtr& s : body) {
      const Flow f = exec_stmt(*s);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

  Flow exec_stmt(const Stmt& s) {
    switch (s.kind) {
      case Stmt::Kind::Text:
        step(s.pos);
        try {
          RenderBudget::charge(s.text.size());
        } catch (const JinjaError& e) {
          fail(s.pos, e.what());
        }
        out_.append_clean(s.text);
        return Flow::Normal;
      case Stmt::Kind::Output:
        step(s.pos);
        emit(eval(*s.expr), s.pos);
        return Flow::Normal;
      case Stmt::Kind::If:
        for (const auto& [cond, body] : s.branches)
          if (!cond || eval(*cond).truthy()) return exec(body);
        return Flow::Normal;
      case Stmt::Kind::For:
        return exec_for(s);
      case Stmt::Kind::Set:
        assign(s.target, eval(*s.expr), s.pos);
        return Flow::Normal;
      case Stmt::Kind::SetBlock: {
        TextBuilder saved;
        std::swap(saved, out_);
        scopes_.emplace_back();
        exec(s.body);
        scopes_.pop_back();
        std::swap(saved, out_);
        Value captured;
        try {
          captured = std::move(saved).build();
        } catch (const JinjaError& e) {
          fail(s.pos, e.what());
        }
        assign(s.target, captured, s.pos);
        return Flow::Normal;
      }
      case Stmt::Kind::Generation:
        scopes_.emplace_back();
        exec(s.body);
        scopes_.pop_back();
        return Flow::Normal;
      case Stmt::Kind::Break:
        return Flow::Break;
      case Stmt::Kind::Continue:
        return Flow::Continue;
    }
    return Flow::Normal;
  }

  void bind(Scope& scope, const Target& t, const Value& v, size_t pos) {
    if (t.names.size() == 1) {
      scope[t.names[0]] = v;
      return;
    }
    if (v.kind() != Value::Kind::List)
      fail(pos, std::string("cannot unpack non-sequence ") + v.type_name());
    const List& items = v.as_list();
    if (items.size() != t.names.size())
      fail(pos, std::string(items.size() > t.names.size() ? "too many" : "not enough") +
                    " values to unpack (expected " + std::to_string(t.names.size()) + ", got " +
                    std::to_string(items.size()) + ")");
    for (size_t i = 0; i < items.size(); ++i) scope[t.names[i]] = items[i];
  }

  void assign(const Target& t, const Value& v, size_t pos) {
    if (t.attr.empty()) {
      bind(scopes_.back(), t, v, pos);
      return;
    }
    const Value owner = lookup(t.names[0]);
    if (owner.kind() != Value::Kind::Namespace)
      fail(pos, "cannot assign attribute on non-namespace object '" + t.names[0] + "'");
    Dict& attrs = owner.as_namespace().attrs;
    for (auto& [k, old] : attrs)
      if (k == t.attr) {
        old = v;
        return;
      }
    attrs.emplace_back(t.attr, v);
  }

  static Value loop_object(size_t i, const std::vector<Value>& items) {
    const size_t n = items.size();
    Dict d = {{"index", Value(int64_t(i + 1))},
              {"index0", Value(int64_t(i))},
              {"revindex", Value(int64_t(n - i))},
              {"revindex0", Value(int64_t(n - i - 1))},
              {"first", Value(i == 0)},
              {"last", Value(i + 1 == n)},
              {"length", Value(int64_t(n))},
              {"depth", Value(1)},
              {"depth0", Value(0)}};
    if (i > 0) d.emplace_back("previtem", items[i - 1]);
    if (i + 1 < n) d.emplace_back("nextitem", items[i + 1]);
    d.emplace_back("cycle", Value::function("cycle", [i](Args& a) {
                     if (a.positional.empty()) throw JinjaError("no items for cycling given");
                     return a.positional[i % a.positional.size()];
                   }, true));
    return Value::dict(std::move(d));
  }

  Flow exec_for(const Stmt& s) {
    std::vector<Value> items;
    try {
      items = iterate(eval(*s.expr));
    } catch (const JinjaError& e) {
      fail(s.expr->pos, e.what());
    }
    if (s.filter) {  // {% for x in xs if cond %}: loop counts only the kept items
      std::vector<Value> kept;
      for (Value& item : items) {
        step(s.pos);
        scopes_.emplace_back();
        bind(scopes_.back(), s.target, item, s.pos);
        const bool keep = eval(*s.filter).truthy();
        scopes_.pop_back();
        if (keep) kept.push_back(std::move(item));
      }
      items = std::move(kept);
    }
    if (items.empty()) return exec(s.else_body);  // break/continue there belong to an outer loop
    for (size_t i = 0; i < items.size(); ++i) {
      step(s.pos);
      scopes_.emplace_back();
      bind(scopes_.back(), s.target, items[i], s.pos);
      try {
        scopes_.back()["loop"] = loop_object(i, items);
      } catch (const JinjaError& e) {
        fail(s.pos, e.what());
      }
      const Flow f = exec(s.body);
      scopes_.pop_back();
      if (f == Flow::Break) break;
    }
    return Flow::Normal;
  }

  // Evaluates e; an error from an operation is reported at the innermost expression.
  Value eval(const Expr& e) {
    try {
      RenderBudget::tick();
      return eval_inner(e);
    } catch (const TemplateRaised& err) {
      fail(e.pos, std::string("the template raised an error: ") + err.what());
    } catch (const JinjaError& err) {
      fail(e.pos, err.what());
    }
  }

  Args eval_args(const Expr& e, size_t first) {
    Args a;
    for (size_t i = first; i < e.args.size(); ++i) a.positional.push_back(eval(*e.args[i]));
    for (const auto& [k, v] : e.kwargs) a.keyword.emplace_back(k, eval(*v));
    return a;
  }

  Value eval_inner(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::Literal:
        return e.value;
      case Expr::Kind::Name:
        return copied(lookup(e.name));
      case Expr::Kind::List:
      case Expr::Kind::Tuple: {
        List items;
        for (const ExprPtr& x : e.args) items.push_back(eval(*x));
        return Value::list(std::move(items), e.kind == Expr::Kind::Tuple);
      }
      case Expr::Kind::Dict:
        return eval_dict(e);
      case Expr::Kind::Attr:
        return copied(get_attr(eval(*e.args[0]), e.name));
      case Expr::Kind::Item: {
        const Value obj = eval(*e.args[0]);
        return copied(get_item(obj, eval(*e.args[1])));
      }
      case Expr::Kind::Slice: {
        const Value obj = eval(*e.args[0]);
        Value part[3];
        for (int i = 0; i < 3; ++i)
          if (e.args[size_t(i) + 1]) part[i] = eval(*e.args[size_t(i) + 1]);
        return get_slice(obj, part[0], part[1], part[2]);
      }
      case Expr::Kind::Call: {
        const Value fn = eval(*e.args[0]);
        require_defined(fn);
        if (fn.kind() != Value::Kind::Function)
          throw JinjaError(std::string("'") + fn.type_name() + "' object is not callable");
        Args a = eval_args(e, 1);
        Value result = fn.as_function()(a);
        // A builtin that does not set its results' data ranges itself cannot turn data into
        // template text: given any data, everything it returns is data.
        if (fn.function_sets_provenance() || !args_have_data(a)) return result;
        return taint_all(result);
      }
      case Expr::Kind::Filter: {
        const Value subject = eval(*e.args[0]);
        Args a = eval_args(e, 1);
        return apply_filter(e.name, subject, a);
      }
      case Expr::Kind::Test: {
        const Value subject = eval(*e.args[0]);
        Args a = eval_args(e, 1);
        return Value(apply_test(e.name, subject, a) != e.negated);
      }
      case Expr::Kind::Unary:
        return unary_op(e.name, eval(*e.args[0]));
      case Expr::Kind::Binary:
        return eval_binary(e);
      case Expr::Kind::Compare: {
        Value left = eval(*e.args[0]);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value right = eval(*e.args[i + 1]);
          if (!compare(e.ops[i], left, right)) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case Expr::Kind::Cond:
        if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
        if (e.args[2]) return eval(*e.args[2]);
        return Value::undefined("the inline if-expression evaluated to false and has no else");
    }
    return Value();
  }

  Value eval_dict(const Expr& e) {
    Dict d;
    bool data_keys = false;
    for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
      const Value key = eval(*e.args[i]);
      if (!key.is_string()) throw JinjaError("dict keys must be strings");
      data_keys = data_keys || key.has_data();
      Value v = eval(*e.args[i + 1]);
      auto it = std::find_if(d.begin(), d.end(),
                             [&](const auto& kv) { return kv.first == key.as_string(); });
      if (it != d.end())
        it->second = std::move(v);
      else
        d.emplace_back(key.as_string(), std::move(v));
    }
    return Value::dict(std::move(d), data_keys);
  }

  Value eval_binary(const Expr& e) {
    if (e.name == "and" || e.name == "or") {
      Value left = eval(*e.args[0]);
      if (left.truthy() == (e.name == "or")) return left;
      return eval(*e.args[1]);
    }
    const Value left = eval(*e.args[0]);
    return binary_op(e.name, left, eval(*e.args[1]));
  }

  const Template::Compiled& c_;
  const Dict& vars_;
  RenderBudget budget_;  // current while the evaluator lives; charged by every operation
  std::vector<Scope> scopes_;
  TextBuilder out_;
  NamespaceArena arena_;  // last member: emptied first, before the scopes that hold namespaces
};

}  // namespace

Template Template::parse(std::string_view source, std::string name) {
  auto c = std::make_shared<Compiled>();
  c->source = normalize_source(source);
  c->name = std::move(name);
  c->body = jinja::parse(tokenize(c->source, c->name), c->source, c->name);
  Template t;
  t.compiled_ = std::move(c);
  return t;
}

std::string Template::render(const Dict& variables, uint64_t max_steps) const {
  RenderLimits limits;
  limits.max_steps = max_steps;
  return render_prompt(variables, limits).text;
}

PromptText Template::render_prompt(const Dict& variables, const RenderLimits& limits) const {
  return Evaluator(*compiled_, variables, limits).run();
}

const std::string& Template::name() const {
  return compiled_->name;
}

}  // namespace r1::jinja
