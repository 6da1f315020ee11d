//! HTML pages of inspections: a federation's plan for a programme (draw, add by hand, assign),
//! and the list of inspections an inspector or a federation has.
