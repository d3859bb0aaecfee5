"""Common code of the help desk: settings, enums, schemas, client factories."""
