// Syntax tree of a parsed Jinja template: expressions and statements, each with the byte
// offset it starts at (for error messages).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja_value.h"

namespace r1::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,  // value
    Name,     // name
    List,     // args = items
    Tuple,    // args = items
    Dict,     // args = key, value, key, value, ...
    Attr,     // args[0].name
    Item,     // args[0][args[1]]
    Slice,    // args[0][args[1]:args[2]:args[3]] (null parts)
    Call,     // args[0](args[1..], kwargs)
    Filter,   // args[0] | name(args[1..], kwargs)
    Test,     // args[0] is [not] name(args[1..])
    Unary,    // name ("-", "+", "not") args[0]
    Binary,   // args[0] name args[1]; "and" / "or" short-circuit
    Compare,  // args[0] ops[0] args[1] ops[1] args[2] ... (chained as in Python)
    Cond,     // args[0] if args[1] else args[2] (args[2] may be null)
  };
  Kind kind;
  size_t pos;
  std::string name;
  Value value;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  bool negated = false;  // Test: "is not"

  Expr(Kind k, size_t p) : kind(k), pos(p) {}
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Where {% set %} and {% for %} store values: a name, a namespace attribute (ns.attr) or a
// tuple of names.
struct Target {
  std::vector<std::string> names;  // one or more (unpacking)
  std::string attr;                // set ns.attr = ...: names = {"ns"}, attr = "attr"
};

struct Stmt {
  // Generation: transformers' {% generation %} block (marks assistant text for training
  // masks); renders its body in a scope of its own, as the macro Jinja compiles it to.
  enum class Kind { Text, Output, If, For, Set, SetBlock, Generation, Break, Continue };
  Kind kind;
  size_t pos;
  std::string text;                                // Text
  ExprPtr expr;                                    // Output / For iterable / Set value
  std::vector<std::pair<ExprPtr, Body>> branches;  // If: (condition or null for else, body)
  Target target;                                   // For / Set / SetBlock
  ExprPtr filter;                                  // For ... if filter
  Body body, else_body;                            // For (SetBlock, Generation: body)

  Stmt(Kind k, size_t p) : kind(k), pos(p) {}
};

}  // namespace r1::jinja
