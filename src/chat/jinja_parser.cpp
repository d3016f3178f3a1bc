// Recursive-descent parser following jinja2.parser: the same precedence (or, and, not,
// comparisons, + -, ~, * / // %, **, unary, filters / tests, postfix) and statement forms.
#include "chat/jinja_parser.h"

#include <algorithm>
#include <initializer_list>

#include "chat/jinja_builtins.h"

namespace r1::jinja {

namespace {

constexpr int kMaxDepth = 200;  // nesting of expressions and blocks; hostile input stays bounded

using TT = Token::Type;

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& source, const std::string& name)
      : t_(tokens), src_(source), name_(name) {}

  Body run() {
    Body body = subparse({});
    return body;
  }

 private:
  // --- token stream ---
  const Token& cur() const { return t_[i_]; }
  const Token& peek(size_t k = 1) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  const Token& next() {
    const Token& tok = t_[i_];
    if (i_ + 1 < t_.size()) ++i_;
    return tok;
  }
  bool is_op(const char* op) const { return cur().type == TT::Op && cur().text == op; }
  bool is_name(const char* n) const { return cur().type == TT::Name && cur().text == n; }
  bool skip_op(const char* op) { return is_op(op) ? (next(), true) : false; }
  bool skip_name(const char* n) { return is_name(n) ? (next(), true) : false; }

  [[noreturn]] void fail(size_t pos, const std::string& msg) const {
    throw_syntax_error(name_, src_, pos, msg);
  }
  [[noreturn]] void unexpected(const std::string& expected) const {
    fail(cur().pos, "expected " + expected + ", found " + describe(cur()));
  }
  static std::string describe(const Token& tok) {
    switch (tok.type) {
      case TT::End:
        return "end of template";
      case TT::VarEnd:
        return "'}}'";
      case TT::BlockEnd:
        return "'%}'";
      case TT::VarBegin:
        return "'{{'";
      case TT::BlockBegin:
        return "'{%'";
      case TT::Text:
        return "text";
      case TT::String:
        return "a string";
      default:
        return "'" + tok.text + "'";
    }
  }
  void expect_op(const char* op) {
    if (!skip_op(op)) unexpected(std::string("'") + op + "'");
  }
  void expect_block_end() {
    if (cur().type != TT::BlockEnd) unexpected("'%}'");
    next();
  }
  std::string expect_name(const char* what) {
    if (cur().type != TT::Name) unexpected(what);
    return next().text;
  }

  struct DepthGuard {
    DepthGuard(Parser& p, size_t pos) : p_(p) {
      if (++p_.depth_ > kMaxDepth) p_.fail(pos, "template nested too deeply");
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };
  // Left-associative chains (a + b + c, x.a.b, x | f | g) deepen the tree one level per link
  // without recursing here; the links count toward the limit until the chain is parsed.
  struct ChainGuard {
    explicit ChainGuard(Parser& p) : p_(p) {}
    ~ChainGuard() { p_.depth_ -= links_; }
    void link(size_t pos) {
      ++links_;
      if (++p_.depth_ > kMaxDepth) p_.fail(pos, "template nested too deeply");
    }
    Parser& p_;
    int links_ = 0;
  };

  ExprPtr make(Expr::Kind k, size_t pos) { return std::make_unique<Expr>(k, pos); }

  // --- statements ---
  Body subparse(std::initializer_list<const char*> end_tags) {
    DepthGuard guard(*this, cur().pos);
    Body body;
    for (;;) {
      const Token& tok = cur();
      if (tok.type == TT::End) {
        if (end_tags.size() == 0) return body;
        std::string want;
        for (const char* tag : end_tags)
          want += std::string(want.empty() ? "" : " or ") + "{% " + tag + " %}";
        fail(tok.pos, "unexpected end of template, expected " + want);
      }
      if (tok.type == TT::Text) {
        auto s = std::make_unique<Stmt>(Stmt::Kind::Text, tok.pos);
        s->text = tok.text;
        body.push_back(std::move(s));
        next();
      } else if (tok.type == TT::VarBegin) {
        next();
        auto s = std::make_unique<Stmt>(Stmt::Kind::Output, tok.pos);
        s->expr = parse_tuple(true);
        if (cur().type != TT::VarEnd) unexpected("'}}'");
        next();
        body.push_back(std::move(s));
      } else if (tok.type == TT::BlockBegin) {
        const Token& tag = peek();
        if (tag.type == TT::Name && std::any_of(end_tags.begin(), end_tags.end(),
                                                [&](const char* e) { return tag.text == e; }))
          return body;
        body.push_back(parse_statement());
      } else {
        unexpected("text or a tag");
      }
    }
  }

  StmtPtr parse_statement() {
    const size_t pos = next().pos;  // {%
    if (cur().type != TT::Name) unexpected("a tag name");
    const std::string tag = next().text;
    if (tag == "if") return parse_if(pos);
    if (tag == "for") return parse_for(pos);
    if (tag == "set") return parse_set(pos);
    if (tag == "generation") return parse_generation(pos);
    if (tag == "break" || tag == "continue") {
      expect_block_end();
      if (loop_depth_ == 0) fail(pos, "'" + tag + "' outside a for loop");
      return std::make_unique<Stmt>(tag == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, pos);
    }
    static const char* const unsupported[] = {"macro",      "call",   "filter", "block", "extends",
                                              "include",    "import", "from",   "raw",   "with",
                                              "autoescape", "do",     "trans"};
    for (const char* u : unsupported)
      if (tag == u)
        fail(pos, "unsupported tag '" + tag +
                      "' (supported: if, for, set, break, continue, generation)");
    fail(pos, "unexpected tag '" + tag + "'");
  }

  StmtPtr parse_generation(size_t pos) {
    expect_block_end();
    auto s = std::make_unique<Stmt>(Stmt::Kind::Generation, pos);
    const int loops = loop_depth_;
    loop_depth_ = 0;  // the body is a macro in Jinja: break/continue cannot reach a loop outside
    s->body = subparse({"endgeneration"});
    loop_depth_ = loops;
    take_end_tag();
    expect_block_end();
    return s;
  }

  // After subparse stopped at "{% name": consumes "{%" and the name.
  std::string take_end_tag() {
    next();
    return next().text;
  }

  StmtPtr parse_if(size_t pos) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::If, pos);
    ExprPtr cond = parse_tuple(true);
    expect_block_end();
    for (;;) {
      Body body = subparse({"elif", "else", "endif"});
      s->branches.emplace_back(std::move(cond), std::move(body));
      const std::string tag = take_end_tag();
      if (tag == "elif") {
        cond = parse_tuple(true);
        expect_block_end();
        continue;
      }
      expect_block_end();
      if (tag == "else") {
        s->branches.emplace_back(nullptr, subparse({"endif"}));
        take_end_tag();
        expect_block_end();
      }
      return s;
    }
  }

  Target parse_target(bool allow_attr) {
    Target t;
    const size_t pos = cur().pos;
    t.names.push_back(expect_name("a variable name"));
    if (allow_attr && skip_op(".")) {
      t.attr = expect_name("an attribute name");
      return t;
    }
    while (skip_op(",")) {
      if (cur().type != TT::Name) break;
      t.names.push_back(next().text);
    }
    for (const std::string& n : t.names)
      if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" || n == "None")
        fail(pos, "cannot assign to '" + n + "'");
    return t;
  }

  StmtPtr parse_for(size_t pos) {
    auto s = std::make_unique<Stmt>(Stmt::Kind::For, pos);
    s->target = parse_target(false);
    if (!skip_name("in")) unexpected("'in'");
    s->expr = parse_tuple(false);
    if (skip_name("if")) s->filter = parse_tuple(true);
    if (is_name("recursive")) fail(cur().pos, "recursive for loops are not supported");
    expect_block_end();
    ++loop_depth_;
    s->body = subparse({"endfor", "else"});
    --loop_depth_;
    if (take_end_tag() == "else") {
      expect_block_end();
      s->else_body = subparse({"endfor"});
      take_end_tag();
    }
    expect_block_end();
    return s;
  }

  StmtPtr parse_set(size_t pos) {
    Target target = parse_target(true);
    if (skip_op("=")) {
      auto s = std::make_unique<Stmt>(Stmt::Kind::Set, pos);
      s->target = std::move(target);
      s->expr = parse_tuple(true);
      expect_block_end();
      return s;
    }
    if (!target.attr.empty() || target.names.size() != 1) unexpected("'='");
    expect_block_end();
    auto s = std::make_unique<Stmt>(Stmt::Kind::SetBlock, pos);
    s->target = std::move(target);
    s->body = subparse({"endset"});
    take_end_tag();
    expect_block_end();
    return s;
  }

  // --- expressions ---
  bool at_tuple_end() const {
    return cur().type == TT::VarEnd || cur().type == TT::BlockEnd || cur().type == TT::End ||
           is_op(")") || is_name("if");
  }

  // Comma-separated expressions; a tuple when there is a comma.
  ExprPtr parse_tuple(bool with_condexpr, bool explicit_parens = false) {
    const size_t pos = cur().pos;
    std::vector<ExprPtr> items;
    bool is_tuple = explicit_parens && is_op(")");  // "()" is the empty tuple
    for (; !(explicit_parens && is_op(")"));) {
      if (!items.empty()) expect_op(",");
      if (!items.empty() && at_tuple_end()) break;
      items.push_back(with_condexpr ? parse_condexpr() : parse_or());
      if (is_op(","))
        is_tuple = true;
      else
        break;
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items[0]);
      if (!explicit_parens) unexpected("an expression");
    }
    auto t = make(Expr::Kind::Tuple, pos);
    t->args = std::move(items);
    return t;
  }

  ExprPtr parse_condexpr() {
    DepthGuard guard(*this, cur().pos);
    ExprPtr expr = parse_or();
    ChainGuard chain(*this);
    while (is_name("if")) {
      const size_t pos = next().pos;
      chain.link(pos);
      auto c = make(Expr::Kind::Cond, pos);
      ExprPtr cond = parse_or();
      ExprPtr otherwise = skip_name("else") ? parse_condexpr() : nullptr;
      c->args.push_back(std::move(expr));
      c->args.push_back(std::move(cond));
      c->args.push_back(std::move(otherwise));
      expr = std::move(c);
    }
    return expr;
  }

  ExprPtr binary(const std::string& op, size_t pos, ExprPtr a, ExprPtr b) {
    auto e = make(Expr::Kind::Binary, pos);
    e->name = op;
    e->args.push_back(std::move(a));
    e->args.push_back(std::move(b));
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    ChainGuard chain(*this);
    while (is_name("or")) {
      const size_t pos = next().pos;
      chain.link(pos);
      left = binary("or", pos, std::move(left), parse_and());
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    ChainGuard chain(*this);
    while (is_name("and")) {
      const size_t pos = next().pos;
      chain.link(pos);
      left = binary("and", pos, std::move(left), parse_not());
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this, cur().pos);
      auto e = make(Expr::Kind::Unary, next().pos);
      e->name = "not";
      e->args.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const size_t pos = cur().pos;
    ExprPtr first = parse_math1();
    auto cmp = make(Expr::Kind::Compare, pos);
    for (;;) {
      static const char* const ops[] = {"==", "!=", "<", "<=", ">", ">="};
      std::string op;
      for (const char* o : ops)
        if (is_op(o)) op = o;
      if (!op.empty()) {
        next();
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && peek().type == TT::Name && peek().text == "in") {
        next();
        next();
        op = "not in";
      } else {
        break;
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_math1());
    }
    if (cmp->ops.empty()) return first;
    cmp->args.insert(cmp->args.begin(), std::move(first));
    return cmp;
  }

  ExprPtr parse_math1() {
    ExprPtr left = parse_concat();
    ChainGuard chain(*this);
    while (is_op("+") || is_op("-")) {
      const Token& op = next();
      chain.link(op.pos);
      left = binary(op.text, op.pos, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    ExprPtr left = parse_math2();
    ChainGuard chain(*this);
    while (is_op("~")) {
      const size_t pos = next().pos;
      chain.link(pos);
      left = binary("~", pos, std::move(left), parse_math2());
    }
    return left;
  }

  ExprPtr parse_math2() {
    ExprPtr left = parse_pow();
    ChainGuard chain(*this);
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& op = next();
      chain.link(op.pos);
      left = binary(op.text, op.pos, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    ExprPtr left = parse_unary(true);
    ChainGuard chain(*this);
    while (is_op("**")) {
      const size_t pos = next().pos;
      chain.link(pos);
      left = binary("**", pos, std::move(left), parse_unary(true));
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, cur().pos);
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      const Token& op = next();
      node = make(Expr::Kind::Unary, op.pos);
      node->name = op.text;
      node->args.push_back(parse_unary(false));
    } else {
      node = parse_postfix(parse_primary());
    }
    return with_filter ? parse_filter_expr(std::move(node)) : std::move(node);
  }

  ExprPtr literal(Value v, size_t pos) {
    auto e = make(Expr::Kind::Literal, pos);
    e->value = std::move(v);
    return e;
  }

  ExprPtr parse_primary() {
    const Token& tok = cur();
    switch (tok.type) {
      case TT::Name: {
        next();
        if (tok.text == "true" || tok.text == "True") return literal(Value(true), tok.pos);
        if (tok.text == "false" || tok.text == "False") return literal(Value(false), tok.pos);
        if (tok.text == "none" || tok.text == "None") return literal(Value::none(), tok.pos);
        auto e = make(Expr::Kind::Name, tok.pos);
        e->name = tok.text;
        return e;
      }
      case TT::String: {
        std::string s;
        while (cur().type == TT::String) s += next().text;  // adjacent literals concatenate
        return literal(Value(std::move(s)), tok.pos);
      }
      case TT::Int:
        next();
        return literal(Value(tok.int_value), tok.pos);
      case TT::Float:
        next();
        return literal(Value(tok.float_value), tok.pos);
      default:
        break;
    }
    if (skip_op("(")) {
      ExprPtr e = parse_tuple(true, true);
      expect_op(")");
      return e;
    }
    if (is_op("[")) return parse_list();
    if (is_op("{")) return parse_dict();
    unexpected("an expression");
  }

  ExprPtr parse_list() {
    auto e = make(Expr::Kind::List, next().pos);
    while (!is_op("]")) {
      if (!e->args.empty()) expect_op(",");
      if (is_op("]")) break;
      e->args.push_back(parse_condexpr());
    }
    next();
    return e;
  }

  ExprPtr parse_dict() {
    auto e = make(Expr::Kind::Dict, next().pos);
    while (!is_op("}")) {
      if (!e->args.empty()) expect_op(",");
      if (is_op("}")) break;
      e->args.push_back(parse_condexpr());
      expect_op(":");
      e->args.push_back(parse_condexpr());
    }
    next();
    return e;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    ChainGuard chain(*this);
    for (;; chain.link(cur().pos)) {
      if (is_op(".")) {
        const size_t pos = next().pos;
        if (cur().type == TT::Int) {  // x.0 is x[0]
          auto e = make(Expr::Kind::Item, pos);
          e->args.push_back(std::move(node));
          e->args.push_back(literal(Value(cur().int_value), cur().pos));
          next();
          node = std::move(e);
          continue;
        }
        auto e = make(Expr::Kind::Attr, pos);
        e->name = expect_name("an attribute name");
        e->args.push_back(std::move(node));
        node = std::move(e);
      } else if (is_op("[")) {
        node = parse_subscript(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const size_t pos = next().pos;  // [
    ExprPtr start;
    if (!is_op(":")) {
      start = parse_tuple(true);
      if (skip_op("]")) {
        auto e = make(Expr::Kind::Item, pos);
        e->args.push_back(std::move(node));
        e->args.push_back(std::move(start));
        return e;
      }
    }
    auto e = make(Expr::Kind::Slice, pos);
    e->args.push_back(std::move(node));
    e->args.push_back(std::move(start));
    expect_op(":");
    e->args.push_back(is_op("]") || is_op(":") ? nullptr : parse_condexpr());
    e->args.push_back(skip_op(":") && !is_op("]") ? parse_condexpr() : nullptr);
    expect_op("]");
    return e;
  }

  // Arguments "(a, b, k=v)" into e->args (after whatever is there) and e->kwargs.
  void parse_call_args(Expr& e) {
    expect_op("(");
    for (size_t n = 0; !is_op(")"); ++n) {
      if (n > 0) expect_op(",");
      if (is_op(")")) break;
      if (is_op("*") || is_op("**")) fail(cur().pos, "*args and **kwargs are not supported");
      if (cur().type == TT::Name && peek().type == TT::Op && peek().text == "=") {
        std::string key = next().text;
        next();
        e.kwargs.emplace_back(std::move(key), parse_condexpr());
      } else {
        if (!e.kwargs.empty()) fail(cur().pos, "positional argument after keyword argument");
        e.args.push_back(parse_condexpr());
      }
    }
    next();
  }

  ExprPtr parse_call(ExprPtr node) {
    auto e = make(Expr::Kind::Call, node->pos);  // errors point at the callee, not at '('
    e->args.push_back(std::move(node));
    parse_call_args(*e);
    return e;
  }

  std::string dotted_name() {
    std::string n = expect_name("a name");
    while (is_op(".") && peek().type == TT::Name) {
      next();
      n += "." + next().text;
    }
    return n;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    ChainGuard chain(*this);
    for (;; chain.link(cur().pos)) {
      if (is_op("|")) {
        const size_t pos = next().pos;
        auto e = make(Expr::Kind::Filter, pos);
        e->name = dotted_name();
        if (!has_filter(e->name)) fail(pos, "unsupported filter '" + e->name + "'");
        e->args.push_back(std::move(node));
        if (is_op("(")) parse_call_args(*e);
        node = std::move(e);
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_test(ExprPtr node) {
    auto e = make(Expr::Kind::Test, next().pos);
    e->negated = skip_name("not");
    e->name = dotted_name();
    if (!has_test(e->name)) fail(e->pos, "unsupported test '" + e->name + "'");
    e->args.push_back(std::move(node));
    if (is_op("(")) {
      parse_call_args(*e);
    } else if ((cur().type == TT::Name || cur().type == TT::String || cur().type == TT::Int ||
                cur().type == TT::Float || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail(cur().pos, "tests cannot be chained with 'is'");
      e->args.push_back(parse_postfix(parse_primary()));
    }
    return e;
  }

  const std::vector<Token>& t_;
  const std::string& src_;
  const std::string& name_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens, const std::string& source, const std::string& name) {
  return Parser(tokens, source, name).run();
}

}  // namespace r1::jinja
