"""The in-tree plugins of the default profile, one small module each, named as upstream's."""
