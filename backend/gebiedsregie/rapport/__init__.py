"""What a gebiedsregisseur takes along: the opgaventabel, downloads, and the PDF report."""
