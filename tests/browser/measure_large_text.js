// Measure the text-size rules on the rendered page; returns a list of problems.
// Large text (the default): main text >= 24 px, headings >= 30 px, line height >= 1.3, contrast >= 4.5:1,
// targets >= 60x60 px, at most 4 choices, one question per screen, no pop-ups, no timers (MIIT guideline,
// WeChat care mode). A question is a visible form control group: an input, a select, a textarea, or a radio
// (checkbox) group counted once by form and name; hidden fields and buttons are not questions, so the
// text-size switch in the header (a button in a form of hidden fields) is not one.
// Normal text ({mode: "normal"}): what issue 8 asks of every page besides WCAG 2.2 AA, targets >= 44x44 px
// (links in running text included: the pages have few, and a thumb needs the room), and contrast >= 4.5:1.
(options) => {
  const large = !(options && options.mode === "normal");
  const least = large ? 60 : 44;
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" &&
           !(s.position === "absolute" && r.width <= 1 && r.height <= 1);
  };
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "") +
                       " '" + (el.textContent || el.value || "").trim().slice(0, 20) + "'";
  for (const el of document.body.querySelectorAll("*")) {
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    const heading = /^H[1-6]$/.test(el.tagName);
    if (large && size < (heading ? 30 : 24)) problems.push(`font ${size}px < ${heading ? 30 : 24}: ${name(el)}`);
    const lh = s.lineHeight === "normal" ? 0 : parseFloat(s.lineHeight);
    if (large && lh < 1.3 * size - 0.01) problems.push(`line height ${s.lineHeight} < 1.3x${size}: ${name(el)}`);
    const fg = luminance(rgb(s.color)), bg = luminance(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} < 4.5: ${name(el)}`);
  }
  const targets = "a, button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), label.option";
  for (const el of document.querySelectorAll(targets)) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < least - 0.5 || r.height < least - 0.5) {
      problems.push(`target ${Math.round(r.width)}x${Math.round(r.height)} < ${least}x${least}: ${name(el)}`);
    }
  }
  if (!large) return problems;
  const choices = document.querySelectorAll("[data-choice]").length;
  if (choices > 4) problems.push(`${choices} choices > 4`);
  for (const select of document.querySelectorAll("select")) {
    if (select.options.length > 4) problems.push(`select ${select.name} has ${select.options.length} options > 4`);
  }
  const questions = new Map();
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const type = (el.getAttribute("type") || "text").toLowerCase();
    if (el.tagName === "INPUT" && ["hidden", "submit", "button", "image", "reset"].includes(type)) continue;
    if (!visible(el)) continue;
    const grouped = el.tagName === "INPUT" && (type === "radio" || type === "checkbox") && el.name;
    const key = grouped ? `${Array.from(document.forms).indexOf(el.form)}:${type}:${el.name}` : el;
    questions.set(key, el.name || el.id || el.tagName.toLowerCase());
  }
  if (questions.size > 1) problems.push(`questions ${questions.size} > 1: ${Array.from(questions.values()).join(", ")}`);
  if (document.querySelector("dialog, [role=dialog], [role=alertdialog]")) problems.push("a pop-up dialog");
  if (document.querySelector("meta[http-equiv=refresh i]")) problems.push("a timed refresh");
  return problems;
}
