"""The manifest editor's work, kept out of its views: running a manifest (a server dry run or an
apply), placing each error at its line, the example manifests, uploads and `kubectl edit`."""
