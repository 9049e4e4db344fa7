"""The VyOS-compatible HTTPS API (``service https``).

Serves what VyOS's API clients call (pyvyos, the Terraform providers,
mcp-server-vyos, curl): ``/retrieve``, ``/configure``, ``/config-file``,
``/show`` and ``/info``, with VyOS's request shapes and envelope, on top of
the same engine the CLI uses.

    settings   what the server runs with (written by conf_mode service_https)
    auth       API keys (constant-time) and the per-address failure limit
    tls        the server's TLS context and the self-signed certificate
    protocol   request bodies (form or JSON) and the response envelope
    retrieve   showConfig / returnValue(s) / exists on the running config
    sessions   a request's operations applied to a private copy of running
    committer  that copy committed as one transaction (the engine, commit-confirm)
    configfile save / load / merge
    show       op-mode words run through the op-mode functions
    app        the routes; server: listening sockets and uvicorn
"""
