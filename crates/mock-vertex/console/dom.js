// Building the page: elements are made with createElement and text goes in as text nodes, never
// as markup, so nothing a model, a job or a user typed can run as script.

/**
 * An element: `h("a", {href: "#/x"}, "text", child)`. Attributes are set with setAttribute
 * (names starting with "on" are refused: handlers are added with `on(...)`); children are
 * nodes or strings, strings becoming text nodes. `null`/`undefined`/`false` children are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`event attribute ${name}: use addEventListener`);
    if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, arrays of them) as nodes and text nodes. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Adds an event listener and returns the element. */
export function on(el, event, handler) {
  el.addEventListener(event, handler);
  return el;
}

/** Replaces the content of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A table from column headers and rows of cells. */
export function table(caption, headers, rows) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      caption ? h("caption", { class: "hint" }, caption) : null,
      h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c)))))));
}

/** A labelled control: `<label>Text <hint> control</label>`. */
export function field(text, control, hint) {
  return h("label", {}, text, hint ? h("span", { class: "hint" }, hint) : null, control);
}

/** A definition list of `[term, value]` pairs, skipping empty values. */
export function facts(pairs) {
  return h("dl", { class: "facts" },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** The refusal box: a title and every reason, one list item each. */
export function refusal(title, reasons) {
  const box = h("div", { class: "refusal", role: "alert", tabindex: "-1" },
    h("strong", {}, title),
    h("ul", {}, reasons.map((r) => h("li", {}, r))));
  // Once shown, bring it into view: a refusal under a long form is otherwise missed.
  requestAnimationFrame(() => box.isConnected && box.scrollIntoView({ block: "nearest" }));
  return box;
}

/** A small "default" style chip. */
export function badge(text, kind) {
  return h("span", { class: kind ? `badge ${kind}` : "badge" }, text);
}
