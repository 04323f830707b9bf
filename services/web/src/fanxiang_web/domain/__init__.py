"""Pure logic of the front end (no I/O): masking, 就近 ordering, the student's progress, choice
lists, API error bodies, dashboard figures."""
