// Placeholder entry point; the host is written in the foundation work.
return 0;
