import { h } from "../lib/jsx";

export const Header = ({ title, subtitle }) => (
  <header>
    <h1>{title}</h1>
    {subtitle && <p class="subtitle">{subtitle}</p>}
    <nav hidden={false} aria-label="main">
      {["home", "items", "about"].map((x) => <a href={`#${x}`}>{x}</a>)}
    </nav>
  </header>
);
