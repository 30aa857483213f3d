"""An async function with its own scriptFile and entryPoint."""
