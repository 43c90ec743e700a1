import './base.css';
import './datasets.css';
import './models.css';
import './drift.css';
import './pipelines.css';
import './servers.css';
