/**
 * The server-drawn bar charts: markup a strict CSP accepts (no style, no
 * script), every label escaped, bars in proportion, and an accessible name.
 */
import assert from "node:assert/strict";
import { barChart, escapeXml } from "../../src/charts/svgCharts.js";

describe("SVG bar charts", () => {
  it("when a label carries markup, then it is escaped and never becomes an element or attribute", () => {
    const svg = barChart({ id: "c1", title: `Tin "mới" <b>`, bars: [{ label: `<script>alert(1)</script>`, value: 2 }, { label: `x" onload="alert(1)`, value: 1 }, { label: "Huyện Châu Thành & Chợ Lách", value: 0 }] });
    assert.ok(!svg.includes("<script"));
    assert.ok(!svg.includes("<b>"));
    assert.ok(!svg.includes(`x" onload`) && svg.includes("x&quot; onload=&quot;alert(1)"), "the quote cannot close an attribute");
    assert.ok(svg.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(svg.includes("Huyện Châu Thành &amp; Chợ Lách"));
    assert.ok(svg.includes(`<title id="c1-title">Tin &quot;mới&quot; &lt;b&gt;</title>`));
    assert.equal(escapeXml(`<&>"'`), "&lt;&amp;&gt;&quot;&#39;");
  });

  it("when a chart is drawn, then it has no style attribute, no script, a name, and bars in proportion", () => {
    const svg = barChart({ id: "c2", title: "Theo huyện", description: "Số liệu có trong bảng.", bars: [{ label: "A", value: 10 }, { label: "B", value: 5, display: "5" }, { label: "C", value: 0 }, { label: "D", value: -3 }, { label: "E", value: Number.NaN }] });
    assert.ok(!/style|<script|\son\w+=/i.test(svg));
    assert.match(svg, /^<svg class="chart" viewBox="0 0 640 \d+"[^>]* role="img" aria-labelledby="c2-title c2-desc"/);
    assert.match(svg, /<desc id="c2-desc">Số liệu có trong bảng.<\/desc>/);
    const widths = [...svg.matchAll(/<rect class="chart-bar" [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(widths.length, 5);
    assert.ok(Math.abs(widths[1]! * 2 - widths[0]!) < 0.2, `half the value, half the bar: ${widths}`);
    assert.deepEqual(widths.slice(2), [0, 0, 0], "zero, negative and not-a-number draw no bar");
  });

  it("when every value is zero or the list is empty, then the chart still renders", () => {
    assert.match(barChart({ id: "z", title: "0", bars: [{ label: "A", value: 0 }] }), /width="0"/);
    assert.match(barChart({ id: "e", title: "0", bars: [] }), /<\/svg>$/);
  });

  it("when a label is long, then it is shortened on the chart but kept whole in the bar's title", () => {
    const long = "Tôi cần giúp đỡ (cho mình hoặc người thân) và thêm nữa";
    const svg = barChart({ id: "l", title: "t", bars: [{ label: long, value: 1 }] });
    assert.ok(svg.includes(`<title>${long}: 1</title>`));
    const shown = /<text class="chart-label"[^>]*>([^<]*)<\/text>/.exec(svg)![1]!;
    assert.ok(shown.startsWith("Tôi cần giúp đỡ (cho mình") && shown.endsWith("…") && [...shown].length === 30, shown);
  });

  it("when an id carries odd characters, then only letters, digits and dashes reach the attributes", () => {
    assert.match(barChart({ id: `a"b c<d`, title: "t", bars: [] }), /<title id="abcd-title">/);
  });
});
