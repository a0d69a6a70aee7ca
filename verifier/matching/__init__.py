"""Perceptual hashing and Hamming search."""
