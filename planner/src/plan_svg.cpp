#include "plantune/planner/plan_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "plantune/core/error.h"
#include "write_file.h"

namespace plantune::planner {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kLeft = 90, kRight = 30, kTop = 48, kBottom = 56;  // margins, pixels

std::string escape(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&apos;"; break;
      default: r += c;
    }
  }
  return r;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string num(double v) { return fmt("%.2f", v); }

// A "nice" tick spacing: 1, 2 or 5 x 10^k, giving at most about `count` ticks over `range`.
double tick_step(double range, int count) {
  if (range <= 0) return 1;
  double raw = range / count;
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= raw) return m * p;
  }
  return 10 * p;
}

// Distinct, stable colours: golden-angle hues.
std::string colour(std::int32_t id) {
  double hue = std::fmod(static_cast<double>(id) * 137.508, 360.0);
  return "hsl(" + fmt("%.0f", hue) + ",62%,68%)";
}

}  // namespace

std::string plan_to_svg(const Problem& problem, const Plan& plan, const SvgOptions& options) {
  PT_REQUIRE(plan.offsets.size() == problem.buffers.size(), invalid_argument,
             "plan has " << plan.offsets.size() << " offsets for " << problem.buffers.size()
                         << " buffers");
  const int width = std::max(options.width, kLeft + kRight + 100);
  const int height = std::max(options.height, kTop + kBottom + 100);
  const double plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;

  std::int64_t step_lo = std::numeric_limits<std::int64_t>::max(), step_hi = 0;
  for (const Buffer& b : problem.buffers) {
    if (b.size == 0) continue;
    step_lo = std::min(step_lo, b.first);
    step_hi = std::max(step_hi, b.last);
  }
  if (step_lo > step_hi) step_lo = 0, step_hi = 1;
  if (step_hi == step_lo) step_hi = step_lo + 1;
  const double top_bytes =
      std::max<double>({1.0, static_cast<double>(plan.arena_bytes),
                        static_cast<double>(plan.lower_bound)}) * 1.04;
  const double xs = plot_w / static_cast<double>(step_hi - step_lo);
  const double ys = plot_h / top_bytes;
  auto x_of = [&](double step) { return kLeft + (step - static_cast<double>(step_lo)) * xs; };
  auto y_of = [&](double addr) { return kTop + plot_h - addr * ys; };

  std::string s;
  s.reserve(512 + problem.buffers.size() * 256);
  s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
       "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
       " " + std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s += "<style>.buffer{stroke:#333;stroke-width:0.5}.alias{fill:none;stroke:#222;"
       "stroke-dasharray:3 2}.label{pointer-events:none}</style>\n";
  s += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"" + std::to_string(width) +
       "\" height=\"" + std::to_string(height) + "\" fill=\"white\"/>\n";
  std::string title = options.title.empty() ? "memory plan (" + plan.algorithm + ")" : options.title;
  title += " - arena " + num(plan.arena_bytes / kMiB) + " MiB, lower bound " +
           num(plan.lower_bound / kMiB) + " MiB, " + std::to_string(problem.buffers.size()) +
           " buffers";
  s += "<text x=\"" + std::to_string(kLeft) + "\" y=\"22\" font-size=\"15\" font-weight=\"bold\">" +
       escape(title) + "</text>\n";

  // Axes, ticks and grid.
  const double x0 = kLeft, y0 = kTop + plot_h;
  s += "<g stroke=\"#000\" stroke-width=\"1\">";
  s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x0 + plot_w) +
       "\" y2=\"" + num(y0) + "\"/>";
  s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x0) + "\" y2=\"" +
       num(kTop) + "\"/></g>\n";
  const double step_tick = std::max(1.0, tick_step(static_cast<double>(step_hi - step_lo), 12));
  s += "<g class=\"x-ticks\" text-anchor=\"middle\">";
  for (double t = std::ceil(step_lo / step_tick) * step_tick; t <= step_hi; t += step_tick) {
    s += "<line x1=\"" + num(x_of(t)) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x_of(t)) +
         "\" y2=\"" + num(y0 + 5) + "\" stroke=\"#000\"/>";
    s += "<text x=\"" + num(x_of(t)) + "\" y=\"" + num(y0 + 18) + "\">" + fmt("%.0f", t) +
         "</text>";
  }
  s += "</g>\n";
  const double mib_tick = tick_step(top_bytes / kMiB, 8);
  s += "<g class=\"y-ticks\" text-anchor=\"end\">";
  for (double m = 0; m * kMiB <= top_bytes; m += mib_tick) {
    const double y = y_of(m * kMiB);
    s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x0 + plot_w) +
         "\" y2=\"" + num(y) + "\" stroke=\"#eee\"/>";
    s += "<text x=\"" + num(x0 - 6) + "\" y=\"" + num(y + 4) + "\">" +
         fmt(mib_tick < 1 ? "%.2f" : "%.0f", m) + "</text>";
  }
  s += "</g>\n";
  s += "<text x=\"" + num(x0 + plot_w / 2) + "\" y=\"" + num(height - 14.0) +
       "\" text-anchor=\"middle\" font-size=\"13\">step (op index)</text>\n";
  s += "<text transform=\"translate(22," + num(kTop + plot_h / 2) +
       ") rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">address (MiB)</text>\n";

  // Buffers: roots filled, aliases as dashed outlines drawn over them.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < problem.buffers.size(); ++i) {
      const Buffer& b = problem.buffers[i];
      if (b.size == 0 || b.alias.has_value() != (pass == 1)) continue;
      const double x = x_of(static_cast<double>(b.first));
      const double w = std::max(0.5, (b.last - b.first) * xs);
      const double y = y_of(static_cast<double>(plan.offsets[i] + b.size));
      const double h = std::max(0.5, b.size * ys);
      std::string tip = b.name.empty() ? "buffer " + std::to_string(b.id) : b.name;
      tip += " (buffer " + std::to_string(b.id) + "): " + num(b.size / kMiB) + " MiB (" +
             std::to_string(b.size) + " bytes), steps [" + std::to_string(b.first) + ", " +
             std::to_string(b.last) + "), offset " + std::to_string(plan.offsets[i]);
      if (b.alias) {
        tip += ", alias of buffer " + std::to_string(b.alias->base) + " at +" +
               std::to_string(b.alias->byte_offset);
      }
      s += "<rect class=\"buffer" + std::string(b.alias ? " alias" : "") + "\" x=\"" + num(x) +
           "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\"";
      if (!b.alias) s += " fill=\"" + colour(b.id) + "\"";
      s += "><title>" + escape(tip) + "</title></rect>\n";
      const std::string label = b.name.empty() ? std::to_string(b.id) : b.name;
      const double chars = (w - 4) / 6.2;  // about 6.2 px per character at 11 px
      if (!b.alias && h >= 12 && chars >= 5) {
        // Too long: keep the end, which tells layers apart ("~1.conv3"), after a tilde.
        const auto fit = static_cast<std::size_t>(chars);
        std::string shown = label.size() <= fit ? label : "~" + label.substr(label.size() - fit + 1);
        s += "<text class=\"label\" x=\"" + num(x + w / 2) + "\" y=\"" + num(y + h / 2 + 4) +
             "\" text-anchor=\"middle\">" + escape(shown) + "</text>\n";
      }
    }
  }

  // The lower bound (dashed) and the arena (solid).
  const double yb = y_of(static_cast<double>(plan.lower_bound));
  const double ya = y_of(static_cast<double>(plan.arena_bytes));
  s += "<line class=\"lower-bound\" x1=\"" + num(x0) + "\" y1=\"" + num(yb) + "\" x2=\"" +
       num(x0 + plot_w) + "\" y2=\"" + num(yb) +
       "\" stroke=\"#c00\" stroke-width=\"1.5\" stroke-dasharray=\"8 5\"/>\n";
  s += "<text x=\"" + num(x0 + plot_w - 4) + "\" y=\"" + num(yb + 14) +
       "\" text-anchor=\"end\" fill=\"#c00\">lower bound " + num(plan.lower_bound / kMiB) +
       " MiB</text>\n";
  s += "<line class=\"arena\" x1=\"" + num(x0) + "\" y1=\"" + num(ya) + "\" x2=\"" +
       num(x0 + plot_w) + "\" y2=\"" + num(ya) + "\" stroke=\"#000\" stroke-width=\"1.5\"/>\n";
  s += "<text x=\"" + num(x0 + 4) + "\" y=\"" + num(ya - 5) + "\" fill=\"#000\">arena " +
       num(plan.arena_bytes / kMiB) + " MiB</text>\n";
  s += "</svg>\n";
  return s;
}

void save_plan_svg(const std::string& path, const Problem& problem, const Plan& plan,
                   const SvgOptions& options) {
  detail::write_file_atomically(path, plan_to_svg(problem, plan, options));
}

}  // namespace plantune::planner
