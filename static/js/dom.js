// Building and updating elements from data: text goes in as text, never as HTML, so what a
// source system sent cannot run as markup.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function field(name, scope = document) {
  return scope.querySelector(`[data-field="${name}"]`);
}

// Only a changed text is written, so a screen reader is not told the same figure twice.
export function setText(name, text, scope = document) {
  const node = field(name, scope);
  if (node && node.textContent !== text) node.textContent = text;
}
