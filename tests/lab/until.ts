// Kept so branches that still import the lab path keep working; the helper lives in tests/helpers.
export { until } from "../helpers/until.ts";
