"""``python -m joinedup`` runs the CLI."""

from joinedup.cli import main

if __name__ == "__main__":
    main()
