// The proposal page's small map of its place (point or area), read-only: see mountPlace in draw.js.
// Without JavaScript the caption alone says where the proposal applies.
import { mountPlace } from "./draw.js";

mountPlace();
