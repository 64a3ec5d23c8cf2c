// OpubCLI
