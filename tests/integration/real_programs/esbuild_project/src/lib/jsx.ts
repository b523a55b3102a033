// A tiny JSX runtime: `h` builds virtual nodes, `render` turns them into HTML text.
export type Child = VNode | string | number | boolean | null | undefined | Child[];
export interface VNode {
  tag: string | typeof Fragment | ((props: Record<string, unknown>) => VNode);
  props: Record<string, unknown>;
  children: Child[];
}

export const Fragment = Symbol("Fragment");

export function h(tag: VNode["tag"], props: Record<string, unknown> | null, ...children: Child[]): VNode {
  return { tag, props: props ?? {}, children };
}

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => escapes[c]);

export function render(node: Child): string {
  if (node === null || node === undefined || typeof node === "boolean") return "";
  if (Array.isArray(node)) return node.map(render).join("");
  if (typeof node !== "object") return escape(String(node));
  const { tag, props, children } = node;
  if (tag === Fragment) return children.map(render).join("");
  if (typeof tag === "function") return render(tag({ ...props, children }));
  const attrs = Object.entries(props)
    .filter(([, v]) => v !== false && v != null)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escape(String(v))}"`))
    .join("");
  return `<${String(tag)}${attrs}>${children.map(render).join("")}</${String(tag)}>`;
}
