export const currency = (value: number, symbol = "€"): string => `${value.toFixed(2)} ${symbol}`;
export default currency;
