// The sentences both live pages write about a DC from its state: its equipment, its
// environment, how utilised it is and who is on shift.
import { when } from "./format.js";

export function equipmentText(dc) {
  if (!dc.outages.length) return "all up";
  return dc.outages.map((o) => `${o.equipment_id} down since ${when(o.since)}${o.reason ? ` (${o.reason})` : ""}`).join("; ");
}

export function environmentText(dc) {
  if (!dc.excursions.length) return "all readings in range";
  return dc.excursions.map((x) => `${x.sensor_id} ${x.kind} ${x.value} ${x.unit} (range ${x.low}–${x.high}) since ${when(x.since)}`).join("; ");
}

// The gauge's own number (rounded once, on the server), so the caption never disagrees. No
// number when too little labour was clocked in over the hour to judge (the server's rule).
export function utilisedText(dc) {
  if (dc.utilisation_percent !== null) return `${dc.utilisation_percent}% utilised`;
  return Object.keys(dc.workers_on_shift).length ? "too few clocked in to measure" : "no one clocked in";
}

export function rolesText(roles) {
  const entries = Object.entries(roles);
  if (!entries.length) return "nobody clocked in";
  return entries.map(([role, count]) => `${count} ${role}${count === 1 ? "" : "s"}`).join(", ");
}
