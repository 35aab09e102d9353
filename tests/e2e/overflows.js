// What runs past its card on the page as drawn: the page itself scrolling sideways, a card whose
// content is wider than the card, a table or chart whose box lies outside its card (even when a
// scrolling wrapper hides the rest: a planner still cannot see it). One line per problem.
() => {
  const problems = [];
  const name = (el) => el.id ? `#${el.id}`
    : el.dataset.plotlyFigure ? `chart ${el.dataset.plotlyFigure}`
    : `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;
  const where = (card) => {
    const heading = card.querySelector('h1, h2, h3, summary');
    return heading ? ` in "${heading.textContent.trim().slice(0, 40)}"` : '';
  };
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page is ${root.scrollWidth}px wide in a ${root.clientWidth}px window`);
  }
  for (const card of document.querySelectorAll('.card, .kpi, .callout')) {
    if (card.scrollWidth > card.clientWidth + 1) {
      problems.push(`${name(card)}${where(card)} holds ${card.scrollWidth}px ` +
        `in ${card.clientWidth}px`);
    }
  }
  for (const item of document.querySelectorAll('table, [data-plotly-figure], .main-svg')) {
    const box = item.getBoundingClientRect();
    if (!box.width) continue;  // not rendered: inside a closed <details>
    const card = item.closest('.card, .kpi') || document.querySelector('main');
    const edge = card.getBoundingClientRect();
    if (box.left < edge.left - 1 || box.right > edge.right + 1) {
      const span = (rect) => `${Math.round(rect.left)}–${Math.round(rect.right)}px`;
      problems.push(`${name(item)}${where(card)} spans ${span(box)}, its card ${span(edge)}`);
    }
  }
  return problems;
}
