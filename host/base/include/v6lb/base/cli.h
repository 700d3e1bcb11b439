// The command lines of v6lb's tools (v6lbd, v6lbctl, v6lb-replay, v6lb-card, v6lb-dpdk and the
// benchmarks), on CLI11: one help layout, one error form, one exit status for usage errors.
//
//   --help        "usage: TOOL ..." first, then what the tool does, then every option with its
//                 value's name and "(default: X)"; exit 0.
//   usage errors  one line "TOOL: <what, naming the option>" and "(TOOL --help for usage)" on
//                 stderr; exit 2 (kUsageExit), the status the tools have always used for it.
//   "--"          split_passthrough(): what follows the first "--" is not parsed here but handed
//                 on as is (DPDK's EAL arguments).
//
// Header-only; needs CLI11 (Debian libcli11-dev, target CLI11::CLI11).
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace v6lb::cli {

inline constexpr int kUsageExit = 2;

// The help layout: usage line first, "(default: X)" after each description instead of CLI11's
// "=X" after the value's name.
class Formatter : public CLI::Formatter {
 public:
  // `usage_tail` is appended to the generated usage line (e.g. "[-- EAL ARGS]").
  explicit Formatter(std::string usage_tail = {}) : tail_(std::move(usage_tail)) {
    column_width(30);
  }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    std::string out = make_usage(app, name);
    if (!app->get_description().empty()) out += wrap(app->get_description(), kWidth) + "\n";
    out += make_positionals(app);
    out += make_groups(app, mode);
    out += make_subcommands(app, mode);
    if (!app->get_footer().empty()) out += "\n" + wrap(app->get_footer(), kWidth) + "\n";
    return out;
  }

  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string out = "usage: " + name;
    if (!app->get_options([](const CLI::Option* o) { return o->nonpositional(); }).empty())
      out += " [OPTIONS]";
    for (const CLI::Option* o :
         app->get_options([](const CLI::Option* o) { return o->get_positional(); }))
      out += " " + make_option_usage(o);
    if (!app->get_subcommands({}).empty())
      out += app->get_require_subcommand_min() ? " COMMAND [ARGS]" : " [COMMAND [ARGS]]";
    // The tail belongs to the tool, not to its subcommands.
    if (!tail_.empty() && app->get_parent() == nullptr) out += " " + tail_;
    return out + "\n";
  }

  std::string make_option_opts(const CLI::Option* o) const override {
    std::string out;
    if (o->get_type_size() != 0) {
      if (!o->get_option_text().empty())
        out += " " + o->get_option_text();
      else if (const std::string t = value_name(o); !t.empty() && !o->get_positional())
        out += " " + t;
      if (o->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
      if (o->get_required()) out += " (required)";
    }
    return out;
  }

  std::string make_option_desc(const CLI::Option* o) const override {
    std::string d = o->get_description(), note = constraint(o);
    if (!o->get_default_str().empty())
      note += (note.empty() ? "default: " : ", default: ") + o->get_default_str();
    if (!note.empty()) d += " (" + note + ")";
    return wrap(d, kWidth - column_width_);
  }

  // Lines longer than `width` broken at spaces; explicit line breaks kept.
  static std::string wrap(const std::string& text, size_t width) {
    std::string out;
    size_t start = 0;
    for (;;) {
      const size_t nl = text.find('\n', start);
      const std::string para = text.substr(start, nl == std::string::npos ? nl : nl - start);
      size_t pos = 0;
      while (para.size() - pos > width) {
        size_t cut = para.rfind(' ', pos + width);
        if (cut == std::string::npos || cut <= pos) cut = para.find(' ', pos + width);
        if (cut == std::string::npos) break;  // one long word: left as it is
        out += para.substr(pos, cut - pos) + "\n";
        pos = cut + 1;
      }
      out += para.substr(pos);
      if (nl == std::string::npos) return out;
      out += '\n';
      start = nl + 1;
    }
  }

  static constexpr size_t kWidth = 100;

 private:
  // CLI11 gives "NAME:validator:validator"; the name goes next to the option, the validators'
  // descriptions (ranges, word lists) into the description.
  static std::string value_name(const CLI::Option* o) {
    const std::string t = o->get_type_name();
    return t.substr(0, t.find(':'));
  }
  static std::string constraint(const CLI::Option* o) {
    if (o->get_type_size() == 0) return {};
    const std::string t = o->get_type_name();
    const size_t colon = t.find(':');
    if (colon == std::string::npos) return {};
    std::string c = t.substr(colon + 1);
    for (size_t i = c.find(':'); i != std::string::npos; i = c.find(':', i)) c.replace(i, 1, ", ");
    return c;
  }

  std::string tail_;
};

// A tool's App with v6lb's help layout.
inline void setup(CLI::App& app, std::string usage_tail = {}) {
  app.formatter(std::make_shared<Formatter>(std::move(usage_tail)));
  app.set_help_flag("-h,--help", "print this help and exit");
}

// An unsigned decimal integer in [lo, hi]: "value 0 not in range [1 - 86400]". The value is
// rewritten in canonical decimal, so CLI11's own conversion (which reads 010 as octal and 0x10
// as hex) sees what this checked: add it with ->transform(), not ->check() (whose validators
// cannot change the value).
inline CLI::Validator range(uint64_t lo, uint64_t hi) {
  const std::string bounds = "[" + std::to_string(lo) + " - " + std::to_string(hi) + "]";
  CLI::Validator v(
      [lo, hi, bounds](std::string& s) -> std::string {
        uint64_t x = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (s.empty() || ec == std::errc::invalid_argument || end != s.data() + s.size())
          return "'" + s + "' is not a number in " + bounds;
        if (ec == std::errc::result_out_of_range || x < lo || x > hi)
          return "value " + s + " not in range " + bounds;
        s = std::to_string(x);
        return {};
      },
      "in " + bounds);
  return v;
}

// One of a fixed set of words: "value 'x' is not one of model|rtl".
inline CLI::Validator one_of(std::vector<std::string> words) {
  std::string list;
  for (const auto& w : words) list += (list.empty() ? "" : "|") + w;
  return CLI::Validator(
      [words, list](std::string& s) -> std::string {
        for (const auto& w : words)
          if (s == w) return {};
        return "value '" + s + "' is not one of " + list;
      },
      "one of " + list);
}

// The log levels the daemons take: spdlog's names (warning, err, critical and off too).
inline CLI::Validator log_level() {
  CLI::Validator v =
      one_of({"trace", "debug", "info", "warn", "warning", "error", "err", "critical", "off"});
  v.description("one of trace|debug|info|warn|error");
  return v;
}

// Splits argv at the first "--": returns how many of argv belong to the tool's own options
// (argv[0] included) and puts what follows the "--" into `rest`.
inline int split_passthrough(int argc, char** argv, std::vector<std::string>& rest) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--") {
      rest.assign(argv + i + 1, argv + argc);
      return i;
    }
  }
  return argc;
}

// A usage error found after parsing (a combination of options): reported like parse()'s.
inline int usage_error(const CLI::App& app, const std::string& what) {
  const std::string& tool = app.get_name();
  std::fprintf(stderr, "%s: %s\n(%s --help for usage)\n", tool.c_str(), what.c_str(), tool.c_str());
  return kUsageExit;
}

// Parses; returns -1 to go on, or the exit status to return from main: 0 after --help (printed
// on stdout), kUsageExit after a usage error (printed on stderr as "TOOL: what").
inline int parse(CLI::App& app, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
    return -1;
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return 0;
    std::string what = e.what();
    // CLI11 checks required options before it complains about unknown ones; a misspelt option
    // is the better thing to report, since it is often why the required one looks missing.
    const std::vector<std::string> extra = app.remaining(true);
    const bool required = dynamic_cast<const CLI::RequiredError*>(&e) != nullptr;
    if (!app.get_subcommands({}).empty() && app.get_subcommands().empty() && required) {
      // A word where a command was wanted: say so rather than "A subcommand is required".
      if (extra.empty())
        what = "no command given";
      else if (!extra.front().starts_with("-"))
        what = "unknown command '" + extra.front() + "'";
      else
        what = CLI::ExtrasError(extra).what();
    } else if (required && !extra.empty()) {
      what = CLI::ExtrasError(extra).what();
    }
    return usage_error(app, what);
  }
}

}  // namespace v6lb::cli
