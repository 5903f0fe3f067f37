"""HTTP plumbing shared by the local runner's servers and the stand-ins: strict request reading,
bounded connections and request heads, loopback hosts only, and a WSGI bridge for moto."""
