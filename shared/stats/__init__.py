"""The statistics library: a ticket's facts from its event history (`facts`), the day
packs the reports read (`packs`), title terms (`terms`), and where the refresh keeps how
far it has read (`state`). The worker's refresh writes them (services/workflows/stats/);
intake's reports read them (services/intake/stats/)."""
