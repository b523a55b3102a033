import { h } from "../lib/jsx";
import type { Item } from "../lib/inventory";
import { Category } from "../lib/inventory";
import currency, { currency as money } from "../lib/currency";
import { titleCase } from "../lib/format";

interface Props {
  rows: Item[];
  total: number;
}

export function Table({ rows, total }: Props) {
  return (
    <table class="inventory" data-rows={rows.length}>
      {rows.map((r, i) => (
        <tr class={i % 2 ? "odd" : "even"}>
          <td>{titleCase(r.name)}</td>
          <td>{Category[r.category]}</td>
          <td>{currency(r.price)}</td>
          <td>{r.qty}</td>
        </tr>
      ))}
      <tr class="total">
        <td colspan={3}>Total incl. VAT</td>
        <td>{money(total, "EUR")}</td>
      </tr>
    </table>
  );
}
